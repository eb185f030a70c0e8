"""How broad a blocklist pattern is, and which numbers it covers by key."""

import pytest

from screening.domain.breadth import Coverage, fixed_digits, min_digits_after_country_code, too_broad
from screening.domain.patterns import parse_pattern


def test_the_documented_minimum_is_six_digits():
    assert min_digits_after_country_code() == 6


@pytest.mark.parametrize("text, fixed", [("+62*", 0), ("+62812*", 3), ("+628??????????", 1), ("+234*", 0),
                                         ("+6281200000000..+6281299999999", 3), ("+121255*", 5)])
def test_broader_than_the_minimum(text, fixed):
    reason = too_broad(parse_pattern(text, "ID"))
    assert reason.startswith(f"{text} fixes {fixed} digit") and "fewer than the 6" in reason


@pytest.mark.parametrize("text", ["+62812345*", "+6281234567??", "+6281234567800..+6281234567899", "+6281234567890",
                                  "+12125550*"])
def test_narrow_enough(text):
    assert too_broad(parse_pattern(text, "ID")) == ""


def test_fixed_digits_counts_after_a_one_two_or_three_digit_country_code():
    assert (fixed_digits("1212"), fixed_digits("62812"), fixed_digits("234803"), fixed_digits("6")) == (3, 3, 3, 0)


def test_coverage_matches_as_the_pattern_does():
    numbers = ["+6281234567890", "+628123456", "+6281134567890", "+6281234567800", "+6281234567900"]
    for text in ("+62812345*", "+6281234567??", "+6281234567800..+6281234567899"):
        pattern = parse_pattern(text, "ID")
        coverage = Coverage(pattern)
        assert [coverage.covers(n) for n in numbers] == [pattern.matches(n) for n in numbers], text
    assert Coverage(parse_pattern("+62812345*", "ID")).count(numbers) == 4
