"""List numbers read quickly: for the forms bulk imports are made of, the
E.164 text numbers.parse_list_number gives, in a fraction of its time.

parse_list_number runs phonenumbers.parse, tens of microseconds a number:
most of a minute for a million-row import. Here the digits are rewritten to
the international form the parser would reach, and phonenumbers'
is_valid_number still checks every number:

    +62 812-3456-7890, +6281234567890   international form, any separators
    0812-3456-7890, (0812) 34567890      national form, trunk prefix 0
    62812 3456 7890                      the country code without + (dialing_rules.toml)

Whenever the parser might read the digits otherwise (an access code, an
international prefix, a national prefix phonenumbers strips or rewrites, a
short code, anything but digits and separators) the answer is "" and the
caller parses the text in full. tests/integration/test_imports.py holds the
two to the same answers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers

from screening.domain.numbers import dialing_rules

# Digits and separators, "+" only first; ".." would make it a range pattern.
_TYPED = re.compile(r"\(?\+?[0-9][0-9 ()./-]*")
_SEPARATORS = str.maketrans("", "", " ()./-")
# A number in E.164 form: "+", a country code (never 0), at most 15 digits in all.
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# numbers.normalize reads this many digits or fewer, typed without "+", as a short code.
_SHORT_CODE_DIGITS = 6


@dataclass(frozen=True)
class _Region:
    """How a region's numbers typed without "+" are read (numbers._candidates)."""

    country_code: str
    access_codes: tuple[str, ...]  # read as international: never quick
    country_code_without_plus: str
    trunk_zero: bool  # a leading 0 is a plain trunk prefix, stripped
    international_prefix: re.Pattern | None


def quick_e164(text: str, region: str) -> str:
    """The E.164 form of a valid number typed in a simple form, or ""."""
    text = text.strip()
    if not _TYPED.fullmatch(text) or ".." in text:
        return ""
    digits = text.translate(_SEPARATORS)
    if digits.startswith("+"):
        return _valid_e164(digits)
    rules = _region(region)
    if rules is None or len(digits) <= _SHORT_CODE_DIGITS or digits.startswith(rules.access_codes):
        return ""
    if rules.country_code_without_plus and digits.startswith(rules.country_code_without_plus):
        return _valid_e164("+" + digits)
    if not rules.trunk_zero or not digits.startswith("0") or digits.startswith("00"):
        return ""
    if rules.international_prefix and rules.international_prefix.match(digits):
        return ""
    return _valid_e164(f"+{rules.country_code}{digits[1:]}")


def _valid_e164(text: str) -> str:
    """text when it is a valid number in E.164 form as phonenumbers.parse
    reads it, else "". A national number that the parser would strip a
    national prefix from, or keep a leading zero of, gives "" too."""
    if not _E164.fullmatch(text):
        return ""
    code = _country_code(text[1:])
    national = text[1 + len(str(code)):]
    if not code or not national or national.startswith("0"):
        return ""
    prefix = _national_prefix(code)
    if prefix is not None and prefix.match(national):
        return ""
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    return text if phonenumbers.is_valid_number(number) else ""


def _country_code(digits: str) -> int:
    """The country calling code the digits start with (codes are prefix-free), or 0."""
    for size in (1, 2, 3):
        if int(digits[:size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return int(digits[:size])
    return 0


@functools.cache
def _national_prefix(code: int) -> re.Pattern | None:
    """What phonenumbers.parse strips, or rewrites, at the start of a national
    number of this country code as a national prefix."""
    region = phonenumbers.region_code_for_country_code(code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    prefix = metadata.national_prefix_for_parsing if metadata else None
    return re.compile(prefix) if prefix else None


@functools.cache
def _region(region: str) -> _Region | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return None
    rules = dialing_rules(region)
    trunk_zero = (metadata.national_prefix == "0" and metadata.national_prefix_for_parsing in (None, "0")
                  and not metadata.national_prefix_transform_rule)
    idd = re.compile(metadata.international_prefix) if metadata.international_prefix else None
    return _Region(str(metadata.country_code), rules.international_prefixes, rules.country_code_without_plus,
                   trunk_zero, idd)
