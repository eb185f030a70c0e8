"""The vocabulary of a screening decision."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from screening.domain.errors import InvalidEntry
from datetime import datetime


class Decision(enum.IntEnum):
    # Values equal the wire enum screening.v1.Decision; a test keeps them equal.
    UNSPECIFIED = 0
    ALLOW = 1
    REVIEW = 2
    DENY = 3


class Reason(enum.IntEnum):
    # Values equal the wire enum screening.v1.Reason.
    UNSPECIFIED = 0
    INVALID_NUMBER = 1
    NOT_ON_ALLOWLIST = 2
    ALLOWLISTED = 3
    PRIVILEGED = 4
    BLOCKED_NUMBER = 5
    BLOCKED_PATTERN = 6
    NUMBER_TYPE = 7
    NEAR_BLOCKED_NUMBER = 8
    VELOCITY = 9
    SEQUENTIAL_DIALING = 10
    SHARED_NUMBER = 11
    OUTSIDE_HOURS = 12
    WATCHLIST_MATCH = 13
    CONTACT_NAME_MISMATCH = 14


class NumberType(enum.IntEnum):
    # Values equal the wire enum screening.v1.NumberType.
    UNSPECIFIED = 0
    FIXED_LINE = 1
    MOBILE = 2
    FIXED_LINE_OR_MOBILE = 3
    TOLL_FREE = 4
    PREMIUM_RATE = 5
    SHARED_COST = 6
    VOIP = 7
    PERSONAL_NUMBER = 8
    PAGER = 9
    UAN = 10
    VOICEMAIL = 11
    SHORT_CODE = 12
    EMERGENCY = 13
    UNKNOWN = 14


@dataclass(frozen=True, slots=True)
class Finding:
    reason: Reason
    detail: str
    effect: Decision
    entry_id: str = ""
    score: float = 1.0


@dataclass(frozen=True, slots=True)
class ScreenRequest:
    call_id: str
    facility_id: str
    inmate_id: str
    dialed_number: str
    station_id: str = ""
    called_party_name: str = ""
    requested_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Screening:
    """The answer to one ScreenRequest."""

    call_id: str
    decision: Decision
    findings: tuple[Finding, ...]
    normalized_number: str
    number_type: NumberType
    number_region: str
    record: bool
    max_duration_seconds: int
    list_version: int
    at: float = 0.0  # when the call happens, Unix seconds (see ScreeningEngine.moment_of)


class Labelled(enum.IntEnum):
    """An enum staff write as a word: "legal-aid", "deny", "victim"."""

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")

    @classmethod
    def from_label(cls, label: str):
        try:
            return cls[label.strip().upper().replace("-", "_")]
        except KeyError:
            choices = ", ".join(member.label for member in cls)
            what = re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()  # WatchCategory -> watch category
            raise InvalidEntry(f"unknown {what} {label!r}; choose one of {choices}") from None


class PrivilegedKind(Labelled):
    OTHER = 0
    ATTORNEY = 1
    LEGAL_AID = 2
    EMBASSY = 3
    HOTLINE = 4


class BlockAction(Labelled):
    # Values are the Decision a match asks for.
    REVIEW = 2
    DENY = 3
