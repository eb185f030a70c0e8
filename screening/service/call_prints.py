"""What makes a retry the same call: a call_id seen before answers only the
same call again (same facility, inmate, dialed number and called party's
name), never another one.

The facility is part of the call's key in the log, so it always matches.
The number and the name are compared as keyed digests (HMAC-SHA256 with the
decision log's own key, DecisionLog.call_key): a privileged call keeps no
number and no name in the log, but its digests still tell a retry from
another call. The number is compared as the engine reads it ("0812 3456
7890" and "+62 812 3456 7890" are one number); the name with its case and
spacing folded.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from screening.domain.model import ScreenRequest, Screening
from screening.domain.numbers import DialedNumber

# The fields a conflict may name, in the order it names them.
FIELDS = ("inmate_id", "dialed_number", "called_party_name")
DIGEST_CHARS = 32  # 128 bits of HMAC-SHA256: no two calls' digests meet by chance


class CallIdConflict(Exception):
    """A call_id that was used before, for another call. Names the fields
    that differ, never the earlier call's values (a privileged call's number
    must not leak)."""

    def __init__(self, facility_id: str, call_id: str, fields: tuple[str, ...]):
        self.facility_id, self.call_id, self.fields = facility_id, call_id, fields
        super().__init__(f"call_id {call_id!r} of facility {facility_id!r} was used before for another call: "
                         f"{', '.join(fields)} {'differs' if len(fields) == 1 else 'differ'}; "
                         "a retry must repeat the call, a new call needs a new call_id")


@dataclass(frozen=True, slots=True)
class CallPrint:
    """A call attempt's identifying fields: the inmate as is, the number and
    the name as keyed digests; None where the log cannot tell (a call logged
    before prints were kept, privileged: it kept neither)."""

    inmate_id: str
    number: str | None
    name: str | None

    @property
    def stored(self) -> str:
        """The digests as the log keeps them: "NUMBER:NAME"."""
        return f"{self.number or ''}:{self.name or ''}"

    @classmethod
    def from_stored(cls, inmate_id: str, stored: str) -> "CallPrint":
        number, _, name = stored.partition(":")
        return cls(inmate_id, number or None, name or None)


@dataclass(frozen=True, slots=True)
class Logged:
    """An answer as the decision log holds it, with the call it answered."""

    screening: Screening
    call: CallPrint


def call_print(key: bytes, request: ScreenRequest, number: DialedNumber) -> CallPrint:
    return CallPrint(request.inmate_id, digest(key, "number", canonical_number(request.dialed_number, number)),
                     digest(key, "name", canonical_name(request.called_party_name)))


def differing(earlier: CallPrint, now: CallPrint) -> tuple[str, ...]:
    """The fields of `now` that are not the earlier call's (one it cannot tell is taken as the same)."""
    pairs = ((earlier.inmate_id, now.inmate_id), (earlier.number, now.number), (earlier.name, now.name))
    return tuple(field for field, (a, b) in zip(FIELDS, pairs, strict=True)
                 # Bytes: compare_digest refuses str with non-ASCII characters (an inmate id may have them).
                 if a is not None and b is not None and not hmac.compare_digest(a.encode(), b.encode()))


def digest(key: bytes, field: str, value: str) -> str:
    mac = hmac.new(key, f"{field}\0{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:DIGEST_CHARS]


def canonical_number(dialed: str, number: DialedNumber) -> str:
    """The number as the engine read it: E.164, or a short code, or (not a
    number) the characters typed, without spacing and punctuation."""
    if number.e164:
        return number.e164
    if number.short_code:
        return f"short:{number.short_code}"
    return "typed:" + "".join(ch for ch in dialed if ch.isalnum())


def canonical_name(name: str) -> str:
    return " ".join(name.split()).casefold()
