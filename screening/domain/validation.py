"""Limits on a ScreenRequest, checked before anything else looks at it."""

from __future__ import annotations

import unicodedata

from screening.domain.errors import FieldViolation, InvalidRequest
from screening.domain.model import ScreenRequest

# field -> (required, max length in characters). Documented in the README.
FIELD_LIMITS: dict[str, tuple[bool, int]] = {
    "call_id": (True, 128),
    "facility_id": (True, 64),
    "inmate_id": (True, 64),
    "dialed_number": (True, 64),
    "station_id": (False, 64),
    "called_party_name": (False, 256),
}
# Fields that hold a person's name: invisible format characters (zero-width
# spaces and joiners, soft hyphens, bidirectional marks) are let through, and
# the name matcher removes them, as it does from list names. Anywhere else,
# an identifier with one in it is not the identifier it looks like: refused.
NAME_FIELDS = frozenset({"called_party_name"})

# What may appear in a dialed number besides digits: separators people type,
# "+" and the keypad's "*" and "#". Letters or anything else mean the field
# does not hold a phone number at all.
_NUMBER_PUNCTUATION = frozenset(
    " +-./()*#"
    "\u00a0\u2009\u202f\u3000"  # no-break, thin, narrow no-break and ideographic spaces
    "\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphens, dashes, minus sign
    "\uff0b\uff0d\uff0e\uff08\uff09\uff0f"  # fullwidth + - . ( ) /
)


def validate_request(request: ScreenRequest) -> None:
    """Raise InvalidRequest naming every bad field of the request."""
    violations: list[FieldViolation] = []
    for name, (required, limit) in FIELD_LIMITS.items():
        value = getattr(request, name)
        if required and not value.strip():
            violations.append(FieldViolation(name, "is required"))
        elif len(value) > limit:
            violations.append(FieldViolation(name, f"is longer than {limit} characters"))
        elif has_control_characters(value, invisible_allowed=name in NAME_FIELDS):
            violations.append(FieldViolation(name, "contains control characters"))
    number = request.dialed_number
    if number.strip() and len(number) <= FIELD_LIMITS["dialed_number"][1]:
        problem = dialed_number_problem(number)
        if problem:
            violations.append(FieldViolation("dialed_number", problem))
    if violations:
        raise InvalidRequest(violations)


def dialed_number_problem(number: str) -> str:
    """Why the text cannot be a phone number as typed, or "" if it can."""
    if not any(ch.isdecimal() for ch in number):
        return "contains no digits"
    for ch in number:
        if not ch.isdecimal() and ch not in _NUMBER_PUNCTUATION:
            return f"contains {ch!r}, which is not part of a phone number"
    return ""


def has_control_characters(value: str, invisible_allowed: bool = False) -> bool:
    """Whether the text holds control characters (category Cc) or, unless
    allowed, invisible format characters (Cf)."""
    # isprintable() runs in C and is true for nearly every request; only a
    # string it rejects (control, format or separator characters) is looked at
    # character by character.
    refused = ("Cc",) if invisible_allowed else ("Cc", "Cf")
    return not value.isprintable() and any(unicodedata.category(ch) in refused for ch in value)
