"""Phone numbers: one canonical form for every way a number is typed.

Lists store E.164 numbers and the engine looks them up by an integer key (the
E.164 digits as an int), so "0812-3456-7890", "+62 812 3456 7890" and
"62812 3456 7890" all hit the same entry.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from importlib import resources

import phonenumbers
from phonenumbers import PhoneNumberType, shortnumberinfo

from screening.domain.errors import InvalidEntry
from screening.domain.model import NumberType
from screening.domain.validation import dialed_number_problem

_TYPES = {
    PhoneNumberType.FIXED_LINE: NumberType.FIXED_LINE,
    PhoneNumberType.MOBILE: NumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.TOLL_FREE: NumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE: NumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST: NumberType.SHARED_COST,
    PhoneNumberType.VOIP: NumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER: NumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER: NumberType.PAGER,
    PhoneNumberType.UAN: NumberType.UAN,
    PhoneNumberType.VOICEMAIL: NumberType.VOICEMAIL,
    PhoneNumberType.UNKNOWN: NumberType.UNKNOWN,
}

# Short codes are at most this many digits; longer digit strings are ordinary
# numbers, however they parse.
_MAX_SHORT_CODE_DIGITS = 6


@dataclass(frozen=True, slots=True)
class DialedNumber:
    """What a typed number turned out to be."""

    e164: str  # "" when invalid or a short code
    number_type: NumberType  # UNSPECIFIED when invalid
    region: str  # ISO 3166 region of the number; "" when unknown
    short_code: str = ""  # the digits of a short code, e.g. "112"
    # Integer lookup key: the E.164 digits; 0 for no number. Computed once here,
    # as every list lookup of a screening needs it.
    key: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", int(self.e164[1:]) if self.e164 else 0)

    @property
    def valid(self) -> bool:
        return bool(self.e164) or bool(self.short_code)


INVALID = DialedNumber("", NumberType.UNSPECIFIED, "")


@dataclass(frozen=True, slots=True)
class DialingRules:
    international_prefixes: tuple[str, ...] = ()
    country_code_without_plus: str = ""
    emergency_numbers: frozenset[str] = frozenset()


@functools.cache
def dialing_rules(region: str) -> DialingRules:
    data = tomllib.loads(resources.files("screening.domain").joinpath("dialing_rules.toml").read_text("utf-8"))
    entry = data.get(region, {})
    prefixes = tuple(sorted(entry.get("international_prefixes", ()), key=len, reverse=True))
    return DialingRules(prefixes, entry.get("country_code_without_plus", ""),
                        frozenset(entry.get("emergency_numbers", ())))


def is_known_region(region: str) -> bool:
    return region in phonenumbers.SUPPORTED_REGIONS


@functools.lru_cache(maxsize=65536)
def normalize(text: str, region: str) -> DialedNumber:
    """Read a number as typed in `region`. Never raises; invalid input gives INVALID.

    Cached: phone systems dial the same numbers over and over, and parsing is
    the costliest step of a screening.
    """
    digits = "".join(ch for ch in text if ch.isdecimal())
    digits = "".join(str(int(ch)) for ch in digits)  # fold non-ASCII digits
    if not digits:
        return INVALID
    plus = _has_plus(text)
    if not plus and len(digits) <= _MAX_SHORT_CODE_DIGITS:
        return _short_code(digits, region)
    for candidate in _candidates(digits, plus, dialing_rules(region)):
        number = _parse(candidate, region)
        if number is not None:
            return number
    return INVALID


def parse_list_number(text: str, region: str) -> DialedNumber:
    """A number for a list entry: must be a valid full number, not a short code."""
    problem = dialed_number_problem(text)
    if problem:
        # normalize() reads only the digits; a list entry must not lose letters silently.
        raise InvalidEntry(f"{text.strip()!r} is not a phone number: it {problem}")
    number = normalize(text.strip(), region)
    if number.short_code:
        # Not "not a valid number": it is one, of a kind the lists do not take;
        # the policy's number_types decide every call to it.
        raise InvalidEntry(f"{text.strip()!r} is a short code: short codes cannot be listed "
                           f"([policy.number_types] {number.number_type.name} decides calls to it)")
    if not number.e164:
        raise InvalidEntry(f"{text!r} is not a valid phone number (read as dialed in region {region})")
    return number


def e164_from_key(key: int) -> str:
    return f"+{key}"


def _has_plus(text: str) -> bool:
    for ch in text:
        if ch in "+\uff0b":
            return True
        if ch.isdecimal():
            return False
    return False


def _candidates(digits: str, plus: bool, rules: DialingRules):
    """International forms to try, most likely first."""
    if plus:
        yield "+" + digits
        return
    # Longest access code first: that is how the exchange reads the digits.
    # A shorter one is tried only when that reading is not a valid number
    # ("00 966..." is no valid 009 + 66... number, so it is Saudi Arabia).
    access_codes = [p for p in rules.international_prefixes if digits.startswith(p)]
    for prefix in access_codes:
        yield "+" + digits[len(prefix):]
    if access_codes:
        return
    if rules.country_code_without_plus and digits.startswith(rules.country_code_without_plus):
        yield "+" + digits
    yield digits


def _parse(candidate: str, region: str) -> DialedNumber | None:
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return DialedNumber(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        number_type=_TYPES.get(phonenumbers.number_type(number), NumberType.UNKNOWN),
        region=phonenumbers.region_code_for_number(number) or "",
    )


def _short_code(digits: str, region: str) -> DialedNumber:
    if digits in dialing_rules(region).emergency_numbers:
        return DialedNumber("", NumberType.EMERGENCY, region, short_code=digits)
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return INVALID
    if not shortnumberinfo.is_valid_short_number_for_region(number, region):
        return INVALID
    kind = NumberType.EMERGENCY if _is_emergency(digits, region) else NumberType.SHORT_CODE
    return DialedNumber("", kind, region, short_code=digits)


def _is_emergency(digits: str, region: str) -> bool:
    return shortnumberinfo.is_emergency_number(digits, region)
