"""service.list_queries.covering_texts: the pattern texts a store looks up
for `blocklist list --number` are exactly the non-range patterns that match
the number, checked against domain.patterns' own matching."""

import random

from screening.domain.patterns import load_pattern
from screening.service.list_queries import covering_texts


def _patterns_near(digits: str, rng: random.Random) -> list[str]:
    """Prefixes, wildcards and exact numbers sharing some of the number's digits, some matching."""
    texts = []
    for _ in range(200):
        k = rng.randrange(3, len(digits) + 1)
        head = digits[:k] if rng.random() < 0.7 else digits[:k - 1] + str((int(digits[k - 1]) + 1) % 10)
        length = rng.choice([len(digits), len(digits) - 1, len(digits) + 1])
        texts.append(f"+{head}*")
        if length > len(head):
            texts.append(f"+{head}{'?' * (length - len(head))}")
        texts.append("+" + (head + digits[k:])[:length].ljust(length, "0"))
    return texts


def test_covering_texts_are_the_non_range_patterns_that_match():
    rng = random.Random(11)
    for e164 in ("+6281234567890", "+62215551234", "+12025550123", "+628123"):
        wanted = set(covering_texts(e164))
        for text in _patterns_near(e164[1:], rng):
            pattern = load_pattern(text)
            assert (text in wanted) == pattern.matches(e164), (e164, text)
        assert all(load_pattern(text).matches(e164) for text in wanted)
