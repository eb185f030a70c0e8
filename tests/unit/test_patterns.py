"""Blocklist pattern syntax: every form, its canonical text, its errors, and
the range-to-prefix cover the matching table relies on."""

import random

import pytest

from screening.domain.errors import InvalidEntry
from screening.domain.patterns import MAX_DIGITS, PatternKind, Rule, cover_range, load_pattern, parse_pattern

EXACT, PREFIX, WILDCARD, RANGE = PatternKind.EXACT, PatternKind.PREFIX, PatternKind.WILDCARD, PatternKind.RANGE

# (as typed, canonical text, kind, rules)
FORMS = [
    pytest.param("+6281234567890", "+6281234567890", EXACT, [Rule("6281234567890", 13)], id="exact-e164"),
    pytest.param("0812-3456-7890", "+6281234567890", EXACT, [Rule("6281234567890", 13)], id="exact-national"),
    pytest.param("0812.3456.7890", "+6281234567890", EXACT, [Rule("6281234567890", 13)], id="exact-national-dots"),
    pytest.param("(0812) 34567890", "+6281234567890", EXACT, [Rule("6281234567890", 13)], id="exact-national-parens"),
    pytest.param("62812 3456 7890", "+6281234567890", EXACT, [Rule("6281234567890", 13)], id="exact-cc-no-plus"),
    pytest.param("+62 812 3456 7890", "+6281234567890", EXACT, [Rule("6281234567890", 13)], id="exact-spaced"),
    pytest.param("  +62 812-3456-7890  ", "+6281234567890", EXACT, [Rule("6281234567890", 13)], id="exact-padded"),
    pytest.param("+44 20 7946 0958", "+442079460958", EXACT, [Rule("442079460958", 12)], id="exact-foreign"),
    pytest.param("+62809*", "+62809*", PREFIX, [Rule("62809", 0)], id="prefix"),
    pytest.param("0809*", "+62809*", PREFIX, [Rule("62809", 0)], id="prefix-national"),
    pytest.param("+62 809-*", "+62809*", PREFIX, [Rule("62809", 0)], id="prefix-separators"),
    pytest.param("+234*", "+234*", PREFIX, [Rule("234", 0)], id="prefix-whole-country"),
    pytest.param("+6281234567??", "+6281234567??", WILDCARD, [Rule("6281234567", 12)], id="wildcard-question"),
    pytest.param("+62812345678X", "+62812345678?", WILDCARD, [Rule("62812345678", 12)], id="wildcard-x"),
    pytest.param("+62812345678x", "+62812345678?", WILDCARD, [Rule("62812345678", 12)], id="wildcard-lower-x"),
    pytest.param("+6281234567?X", "+6281234567??", WILDCARD, [Rule("6281234567", 12)], id="wildcard-mixed"),
    pytest.param("0812-3456-78??", "+62812345678??", WILDCARD, [Rule("62812345678", 13)], id="wildcard-national"),
    pytest.param("+6281234567800..+6281234567899", "+6281234567800..+6281234567899", RANGE,
                 [Rule("62812345678", 13)], id="range-aligned"),
    pytest.param("0812 3456 7800 .. 0812 3456 7899", "+6281234567800..+6281234567899", RANGE,
                 [Rule("62812345678", 13)], id="range-national"),
    pytest.param("+6281234567895..+6281234567912", "+6281234567895..+6281234567912", RANGE,
                 [Rule(f"628123456789{d}", 13) for d in "56789"]
                 + [Rule("628123456790", 13)]
                 + [Rule(f"628123456791{d}", 13) for d in "012"], id="range-unaligned"),
    pytest.param("+6281234567890..+6281234567890", "+6281234567890..+6281234567890", RANGE,
                 [Rule("6281234567890", 13)], id="range-one-number"),
]


@pytest.mark.parametrize("typed, text, kind, rules", FORMS)
def test_parse_pattern_reads_every_form(typed, text, kind, rules):
    pattern = parse_pattern(typed, "ID")
    assert (pattern.text, pattern.kind, list(pattern.rules)) == (text, kind, rules)


@pytest.mark.parametrize("typed, text, kind, rules", FORMS)
def test_stored_canonical_text_loads_the_same_pattern(typed, text, kind, rules):
    pattern = parse_pattern(typed, "ID")
    assert load_pattern(pattern.text) == pattern
    assert parse_pattern(pattern.text, "ID") == pattern  # canonical text reads as itself


def test_every_way_of_typing_a_number_gives_one_pattern():
    forms = ["+6281234567890", "0812-3456-7890", "62812 3456 7890", "+62 (812) 3456 7890", "0812 3456 7890"]
    assert {parse_pattern(f, "ID") for f in forms} == {parse_pattern("+6281234567890", "ID")}


@pytest.mark.parametrize(
    "pattern, matching, not_matching",
    [
        pytest.param("0812-3456-7890", ["+6281234567890"], ["+6281234567891", "+62812345678901", "+628123456789"],
                     id="exact"),
        pytest.param("+62809*", ["+62809", "+628091234567", "+6280912345678"], ["+62808123456", "+6280"],
                     id="prefix"),
        pytest.param("+234*", ["+2348031234567", "+234"], ["+2331234567", "+6281234567890"], id="whole-country"),
        pytest.param("+6281234567??", ["+628123456700", "+628123456799"],
                     ["+6281234567890", "+62812345670", "+628123456800"], id="wildcard-fixed-length"),
        pytest.param("+6281234567895..+6281234567912",
                     ["+6281234567895", "+6281234567900", "+6281234567912"],
                     ["+6281234567894", "+6281234567913", "+628123456790", "+62812345679000"], id="range"),
    ],
)
def test_pattern_matches_exactly_its_numbers(pattern, matching, not_matching):
    parsed = parse_pattern(pattern, "ID")
    assert [n for n in matching if not parsed.matches(n)] == []
    assert [n for n in not_matching if parsed.matches(n)] == []


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("", "pattern is empty", id="empty"),
        pytest.param("   ", "pattern is empty", id="blank"),
        pytest.param("+62812?4567890", "wildcards (* ? X) may only stand at the end", id="question-in-middle"),
        pytest.param("+62812X4567890", "wildcards (* ? X) may only stand at the end", id="x-in-middle"),
        pytest.param("+62812*4567", "wildcards (* ? X) may only stand at the end", id="star-in-middle"),
        pytest.param("+628*12*", "only digits may stand before the wildcard", id="two-stars"),
        pytest.param("+6281?34567??", "only digits may stand before the wildcard", id="question-before-trailing"),
        pytest.param("62809*", "write a pattern in +country-code form (e.g. +62809*) or in national form "
                     "with its leading 0 (e.g. 0809*)", id="prefix-without-plus-or-0"),
        pytest.param("809*", "write a pattern in +country-code form", id="prefix-bare-digits"),
        pytest.param("0062809*", "write a pattern in +country-code form", id="prefix-access-code"),
        pytest.param("628123456??", "write a pattern in +country-code form", id="wildcard-without-plus-or-0"),
        pytest.param("+0812*", "a country code does not start with 0", id="prefix-country-code-0"),
        pytest.param("+6*", "a prefix needs at least a whole country code", id="prefix-no-country-code"),
        pytest.param("+80*", "a prefix needs at least a whole country code", id="prefix-unassigned-code"),
        pytest.param("+6281234567800..+628123456789", "both ends of a range must have the same number of digits",
                     id="range-unequal-lengths"),
        pytest.param("+6281234567899..+6281234567800", "the range ends before it starts", id="range-reversed"),
        pytest.param("+6281234567800..0812-FRAUD", "'0812-FRAUD' is not a phone number: it contains 'F'",
                     id="range-end-not-a-number"),
        pytest.param("+6281234567800..+6281234", "'+6281234' is not a valid phone number", id="range-end-too-short"),
        pytest.param("+628123456789012??", "has 17 digits; a phone number has at most 15", id="wildcard-too-long"),
        pytest.param("+62812345678901234", "is not a valid phone number", id="exact-too-long"),
        pytest.param("0812-34", "is not a valid phone number", id="exact-too-short"),
        pytest.param("+62812abc*", "only digits may stand before the wildcard", id="letters-in-prefix"),
        pytest.param("+62812345678a??", "only digits may stand before the wildcard", id="letters-in-wildcard"),
        pytest.param("0812-FRAUD", "is not a phone number: it contains 'F', which is not part of a phone number",
                     id="word"),
        pytest.param("+٦٢٨٠٩*", "only digits may stand before the wildcard", id="non-ascii-digits-in-prefix"),
    ],
)
def test_parse_pattern_says_what_is_wrong(text, message):
    with pytest.raises(InvalidEntry) as raised:
        parse_pattern(text, "ID")
    assert message in str(raised.value)
    if text.strip() and ".." not in text:  # a range names the end that is wrong, as the message above shows
        assert repr(text.strip()) in str(raised.value)  # names what was typed


# Was a bug: a prefix had no digit limit, and one stored prefix of 20+ digits
# made BlockTable() raise OverflowError, so no snapshot loaded.
@pytest.mark.parametrize("text", ["+6281234567890123*", "+628123456789012345678*"])
def test_prefix_longer_than_a_phone_number_is_refused(text):
    with pytest.raises(InvalidEntry, match=f"at most {MAX_DIGITS}"):
        parse_pattern(text, "ID")


# Was a bug: the exact and range forms went through normalize(), which keeps
# only the digits, so letters and "?" were dropped silently.
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("+62812ab34567890", id="letters-inside-exact"),  # read as +6281234567890
        pytest.param("0812-3456-78ab", id="letters-after-exact"),  # read as +62812345678, another number
        pytest.param("+62812345678??..+62812345678??", id="wildcards-in-range"),  # read as one 11-digit number
        pytest.param("+6281234567800..+62812345678z99", id="letters-in-range"),
    ],
)
def test_letters_and_wildcards_are_never_dropped_silently(text):
    with pytest.raises(InvalidEntry, match="which is not part of a phone number"):
        parse_pattern(text, "ID")


def test_load_pattern_refuses_text_that_is_not_canonical():
    for text in ("0812-3456-7890", "6281234567890", "+62 812 3456 7890"):
        with pytest.raises(InvalidEntry, match="not in canonical form"):
            load_pattern(text)


def test_equal_patterns_are_equal_and_hashable():
    assert parse_pattern("0809*", "ID") == parse_pattern("+62809*", "ID")
    assert len({parse_pattern(t, "ID") for t in ("0809*", "+62809*", "+62 809 *")}) == 1
    assert parse_pattern("+62809*", "ID") != parse_pattern("+62809??????", "ID")


# --- cover_range ------------------------------------------------------------


def _covered(prefixes: list[str], n: int) -> list[int]:
    """Every n-digit number (as an int) under the prefixes, with repeats."""
    numbers = []
    for p in prefixes:
        width = 10 ** (n - len(p))
        start = int(p or "0") * width
        numbers.extend(range(start, start + width))
    return sorted(numbers)


def _minimal_cover(low: int, high: int, n: int, prefix: str = "") -> list[str]:
    """The unique fewest prefixes: the largest trie nodes inside low..high."""
    width = 10 ** (n - len(prefix))
    start = int(prefix or "0") * width
    end = start + width - 1
    if end < low or start > high:
        return []
    if low <= start and end <= high:
        return [prefix]
    return [p for d in "0123456789" for p in _minimal_cover(low, high, n, prefix + d)]


@pytest.mark.parametrize(
    "low, high, prefixes",
    [
        ("000", "999", [""]),
        ("100", "199", ["1"]),
        ("100", "299", ["1", "2"]),
        ("120", "129", ["12"]),
        ("123", "123", ["123"]),
        ("199", "200", ["199", "200"]),
        ("000", "899", [str(d) for d in range(9)]),
        ("123", "456", ["123", "124", "125", "126", "127", "128", "129", "13", "14", "15", "16", "17", "18",
                        "19", "2", "3", "40", "41", "42", "43", "44", "450", "451", "452", "453", "454", "455",
                        "456"]),
        ("00", "09", ["0"]),
        ("0", "9", [""]),
    ],
)
def test_cover_range_known_cases(low, high, prefixes):
    assert cover_range(low, high) == prefixes


def _random_pair(rng: random.Random) -> tuple[str, str]:
    n = rng.randint(3, 5)
    a, b = sorted(rng.randrange(10**n) for _ in range(2))
    low, high = str(a).zfill(n), str(b).zfill(n)
    # Often align the ends (trailing 0s, trailing 9s) so whole blocks appear.
    if rng.random() < 0.5:
        zeros = rng.randint(0, n)
        low = low[: n - zeros] + "0" * zeros
    if rng.random() < 0.5:
        nines = rng.randint(0, n)
        high = high[: n - nines] + "9" * nines
    if rng.random() < 0.1:
        high = low
    return (low, high) if low <= high else (high, low)


def test_cover_range_covers_exactly_the_range_with_the_fewest_prefixes():
    rng = random.Random(20240611)
    pairs = [_random_pair(rng) for _ in range(600)]
    assert any(lo == hi for lo, hi in pairs) and any(lo.endswith("00") and hi.endswith("99") for lo, hi in pairs)
    for low, high in pairs:
        n = len(low)
        prefixes = cover_range(low, high)
        assert all(len(p) <= n and (p.isdigit() or p == "") for p in prefixes), (low, high, prefixes)
        # exactly low..high, each number once: no gaps, no overlaps
        assert _covered(prefixes, n) == list(range(int(low), int(high) + 1)), (low, high, prefixes)
        # no prefix is a prefix of another (overlap, stated directly)
        assert not any(a != b and b.startswith(a) for a in prefixes for b in prefixes), (low, high, prefixes)
        assert len(set(prefixes)) == len(prefixes)
        # the fewest possible: the unique set of maximal aligned blocks
        assert sorted(prefixes) == sorted(_minimal_cover(int(low), int(high), n)), (low, high, prefixes)
        # in ascending order, as a table build may expect
        assert prefixes == sorted(prefixes, key=lambda p: int(p.ljust(n, "0") or "0"))


def test_cover_range_of_whole_numbers_at_phone_length():
    # The E.164 lengths of real ranges: a prefix count that stays small.
    prefixes = cover_range("6281234567895", "6281234568104")
    assert prefixes == ["6281234567895", "6281234567896", "6281234567897", "6281234567898", "6281234567899",
                        "62812345679", "62812345680",
                        "6281234568100", "6281234568101", "6281234568102", "6281234568103", "6281234568104"]
    assert prefixes == _minimal_cover(6281234567895, 6281234568104, 13)
    assert sum(10 ** (13 - len(p)) for p in prefixes) == 6281234568104 - 6281234567895 + 1


def test_random_patterns_round_trip_through_their_stored_text():
    rng = random.Random(7)
    loaded = {kind: 0 for kind in PatternKind}
    for _ in range(300):
        subscriber = "".join(rng.choice("0123456789") for _ in range(rng.randint(7, 9)))
        number = f"+62812{subscriber}"
        kind = rng.randrange(4)
        if kind == 0:
            typed = "0812" + subscriber
        elif kind == 1:
            typed = number[: rng.randint(4, len(number))] + "*"
        elif kind == 2:
            w = rng.randint(1, 4)
            typed = number[:-w] + rng.choice("?Xx") * w
        else:
            span = rng.randint(0, 5000)
            high = int(number[1:]) + span
            if len(str(high)) != len(number) - 1:
                continue
            typed = f"{number}..+{high}"
        try:
            pattern = parse_pattern(typed, "ID")
        except InvalidEntry:
            continue  # not every random subscriber number is a valid one
        assert load_pattern(pattern.text) == pattern, typed
        loaded[pattern.kind] += 1
    assert min(loaded.values()) >= 50, loaded
