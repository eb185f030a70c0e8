"""How broad a blocklist pattern is, against the documented minimum
(blocklist_rules.toml): a pattern that fixes too few digits after the
country code is refused unless forced, as one typo would deny everyone."""

from __future__ import annotations

import bisect
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib import resources

import phonenumbers

from screening.domain.patterns import Pattern, PatternKind, key_ranges


@cache
def min_digits_after_country_code() -> int:
    text = resources.files("screening.domain").joinpath("blocklist_rules.toml").read_text("utf-8")
    return int(tomllib.loads(text)["min_digits_after_country_code"])


def fixed_digits(prefix: str) -> int:
    """Digits of a rule's prefix after its country code (0 when the prefix
    is no longer than a country code)."""
    for size in (1, 2, 3):
        if len(prefix) >= size and int(prefix[:size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return len(prefix) - size
    return 0


def too_broad(pattern: Pattern, minimum: int | None = None) -> str:
    """Why the pattern is broader than the minimum, or "" when it is not."""
    if pattern.kind is PatternKind.EXACT:
        return ""
    minimum = min_digits_after_country_code() if minimum is None else minimum
    fewest = min(fixed_digits(rule.prefix) for rule in pattern.rules)
    if fewest >= minimum:
        return ""
    return (f"{pattern.text} fixes {fewest} digit{'s' if fewest != 1 else ''} after the country code, "
            f"fewer than the {minimum} a pattern must fix")


class Coverage:
    """Which E.164 numbers a pattern covers, by lookup key: the sorted
    [low, high) key ranges, one binary search a number."""

    def __init__(self, pattern: Pattern):
        ranges = key_ranges(pattern)
        self._lows = [low for low, _ in ranges]
        self._highs = [high for _, high in ranges]

    def covers(self, e164: str) -> bool:
        key = int(e164[1:])
        i = bisect.bisect_right(self._lows, key) - 1
        return i >= 0 and key < self._highs[i]

    def count(self, numbers: Iterable[str]) -> int:
        return sum(1 for number in numbers if self.covers(number))
