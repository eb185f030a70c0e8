"""Blocklist patterns: one syntax in the CLI, in imports and in exports.

    +6281234567890                     an exact number (typed in any form)
    +62809*                            every number starting with these digits
    +6281234567??  or  +62812345678X   fixed length, trailing digit wildcards
    +6281234567800..+6281234567899     a range of numbers of equal length

No regular expressions: every pattern becomes a few *rules*, each a digit
prefix and a required total length (0 = any), and matching looks the dialed
number's own prefixes up in a sorted table (see PatternTable), so its cost
follows the digits of the number, not the number of patterns.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import phonenumbers

from screening.domain.errors import InvalidEntry
from screening.domain.numbers import parse_list_number

MAX_DIGITS = 15  # E.164
_WILDCARDS = frozenset("?Xx")


class PatternKind(enum.IntEnum):
    EXACT = 0
    PREFIX = 1
    WILDCARD = 2
    RANGE = 3


@dataclass(frozen=True, slots=True)
class Rule:
    prefix: str  # digits, country code first
    length: int  # total digits a number must have; 0 = any

    def matches(self, digits: str) -> bool:
        return digits.startswith(self.prefix) and (self.length == 0 or len(digits) == self.length)


@dataclass(frozen=True, slots=True)
class Pattern:
    text: str  # canonical form, as stored and exported
    kind: PatternKind
    rules: tuple[Rule, ...]

    def matches(self, e164: str) -> bool:
        return any(rule.matches(e164.lstrip("+")) for rule in self.rules)


def parse_pattern(text: str, region: str) -> Pattern:
    """Read a pattern as staff or a police list write it; InvalidEntry says what is wrong."""
    raw = text.strip()
    if not raw:
        raise InvalidEntry("pattern is empty")
    if ".." in raw:
        return _range(raw, region)
    if raw.endswith("*"):
        digits = _international_digits(raw[:-1], raw, region)
        if len(digits) > MAX_DIGITS:
            raise InvalidEntry(f"{raw!r} has {len(digits)} digits; a phone number has at most {MAX_DIGITS}")
        return Pattern(f"+{digits}*", PatternKind.PREFIX, (Rule(digits, 0),))
    if raw[-1] in _WILDCARDS:
        body = raw.rstrip("?Xx")
        wildcards = len(raw) - len(body)
        digits = _international_digits(body, raw, region)
        length = len(digits) + wildcards
        if length > MAX_DIGITS:
            raise InvalidEntry(f"{raw!r} has {length} digits; a phone number has at most {MAX_DIGITS}")
        return Pattern(f"+{digits}{'?' * wildcards}", PatternKind.WILDCARD, (Rule(digits, length),))
    if "*" in raw or any(ch in _WILDCARDS for ch in raw):
        raise InvalidEntry(f"{raw!r}: wildcards (* ? X) may only stand at the end")
    e164 = parse_list_number(raw, region).e164
    return Pattern(e164, PatternKind.EXACT, (Rule(e164[1:], len(e164) - 1),))


def load_pattern(text: str) -> Pattern:
    """A pattern from its canonical text (as parse_pattern wrote it to the
    store): no number validation again, so loading millions stays fast."""
    if ".." in text:
        low, _, high = text.partition("..")
        low, high = low[1:], high[1:]
        return Pattern(text, PatternKind.RANGE, tuple(Rule(p, len(low)) for p in cover_range(low, high)))
    if text.endswith("*"):
        return Pattern(text, PatternKind.PREFIX, (Rule(text[1:-1], 0),))
    if text.endswith("?"):
        digits = text[1:].rstrip("?")
        return Pattern(text, PatternKind.WILDCARD, (Rule(digits, len(text) - 1),))
    if not (text.startswith("+") and text[1:].isdigit()):
        raise InvalidEntry(f"stored pattern {text!r} is not in canonical form")
    return Pattern(text, PatternKind.EXACT, (Rule(text[1:], len(text) - 1),))


def _range(raw: str, region: str) -> Pattern:
    low_text, _, high_text = raw.partition("..")
    low = parse_list_number(low_text, region).e164[1:]
    high = parse_list_number(high_text, region).e164[1:]
    if len(low) != len(high):
        raise InvalidEntry(f"{raw!r}: both ends of a range must have the same number of digits")
    if int(low) > int(high):
        raise InvalidEntry(f"{raw!r}: the range ends before it starts")
    rules = tuple(Rule(prefix, len(low)) for prefix in cover_range(low, high))
    return Pattern(f"+{low}..+{high}", PatternKind.RANGE, rules)


def cover_range(low: str, high: str) -> list[str]:
    """The fewest digit prefixes that together cover low..high exactly
    (equal-length digit strings), as routers aggregate address ranges."""
    if low == high:
        return [low]
    n = len(low)
    k = n
    while k > 0 and low[k - 1] == "0" and high[k - 1] == "9":
        k -= 1
    if low[:k] == high[:k]:
        return [low[:k]]
    i = next(j for j in range(n) if low[j] != high[j])
    prefixes = cover_range(low, low[: i + 1] + "9" * (n - i - 1))
    prefixes += [low[:i] + str(d) for d in range(int(low[i]) + 1, int(high[i]))]
    prefixes += cover_range(high[: i + 1] + "0" * (n - i - 1), high)
    return prefixes


def _international_digits(body: str, raw: str, region: str) -> str:
    """Digits of a pattern's fixed part, country code first.

    "+62809" and "0809" (national, trunk prefix 0) both give "62809".
    Separators are allowed; anything else is an error.
    """
    cleaned = "".join(ch for ch in body if ch not in " -.()/\u00a0")
    if cleaned.startswith("+"):
        digits = cleaned[1:]
    elif cleaned.startswith("0") and not cleaned.startswith("00"):
        code = phonenumbers.country_code_for_region(region)
        digits = f"{code}{cleaned[1:]}"
    else:
        raise InvalidEntry(f"{raw!r}: write a pattern in +country-code form (e.g. +62809*) "
                           f"or in national form with its leading 0 (e.g. 0809*)")
    if not digits.isdigit() or not digits.isascii():
        raise InvalidEntry(f"{raw!r}: only digits may stand before the wildcard")
    if digits[0] == "0":
        raise InvalidEntry(f"{raw!r}: a country code does not start with 0")
    if not any(int(digits[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE for n in (1, 2, 3) if n <= len(digits)):
        raise InvalidEntry(f"{raw!r}: a prefix needs at least a whole country code (+62..., +1..., +234...)")
    return digits


def key_ranges(pattern: Pattern) -> list[tuple[int, int]]:
    """The numbers a pattern covers as ranges [low, high) of lookup keys
    (E.164 digits as an int): how a store finds them with an index. A prefix
    without a length covers every length up to MAX_DIGITS."""
    ranges = []
    for rule in pattern.rules:
        lengths = [rule.length] if rule.length else range(max(len(rule.prefix), 1), MAX_DIGITS + 1)
        for length in lengths:
            scale = 10 ** (length - len(rule.prefix))
            ranges.append((int(rule.prefix or "0") * scale, (int(rule.prefix or "0") + 1) * scale))
    return sorted(ranges)
