"""List entries as security staff keep them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from screening.domain.alerts import AlertKind
from screening.domain.errors import InvalidEntry
from screening.domain.blocklist import Category, Scope
from screening.domain.model import BlockAction, PrivilegedKind
from screening.domain.names.lookalikes import without_invisible
from screening.domain.validation import has_control_characters
from screening.domain.watchlist import WatchCategory


@dataclass(frozen=True, slots=True)
class Change:
    """Who changes a list, and why: every change is audited with these.
    actor is the identity the store vouches for (Store.identity); details go
    into the change's log entry beside what the store writes (the display
    name staff gave, the approval a change was held for)."""

    actor: str
    reason: str
    details: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Audit:
    """Who added an entry, when and why."""

    created_at: datetime | None = None
    created_by: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AllowlistEntry:
    LIST: ClassVar[str] = "allowlist"
    KEY: ClassVar[tuple[str, ...]] = ("inmate_id", "facility_id", "number")

    inmate_id: str
    number: str  # E.164
    name: str
    relationship: str = ""
    facility_id: str = ""  # "" = every facility
    id: int = 0
    audit: Audit = field(default_factory=Audit)


@dataclass(frozen=True, slots=True)
class PrivilegedEntry:
    LIST: ClassVar[str] = "privileged"
    KEY: ClassVar[tuple[str, ...]] = ("number",)

    number: str
    name: str
    kind: PrivilegedKind = PrivilegedKind.OTHER
    id: int = 0
    audit: Audit = field(default_factory=Audit)


@dataclass(frozen=True, slots=True)
class BlockEntry:
    LIST: ClassVar[str] = "blocklist"
    KEY: ClassVar[tuple[str, ...]] = ("pattern", "scope")

    pattern: str  # canonical pattern text (screening.domain.patterns)
    category: Category = Category.FRAUD
    action: BlockAction = BlockAction.DENY
    source: str = ""  # e.g. a police report number
    scope: Scope = Scope()
    expires_at: datetime | None = None
    id: int = 0
    audit: Audit = field(default_factory=Audit)


@dataclass(frozen=True, slots=True)
class WatchEntry:
    LIST: ClassVar[str] = "watchlist"
    KEY: ClassVar[tuple[str, ...]] = ("name", "scope")

    name: str
    aliases: tuple[str, ...] = ()
    category: WatchCategory = WatchCategory.OTHER
    action: BlockAction = BlockAction.REVIEW
    scope: Scope = Scope()
    id: int = 0
    audit: Audit = field(default_factory=Audit)


@dataclass(frozen=True, slots=True)
class AlertEntry:
    """A hot number (domain.alerts): stored and audited like the lists, but
    not one of the engine's lists (it never changes a decision)."""

    LIST: ClassVar[str] = "alerts"
    KEY: ClassVar[tuple[str, ...]] = ("kind", "value")

    kind: AlertKind
    value: str  # E.164 number, canonical pattern, inmate id or watchlist entry id
    note: str = ""
    id: int = 0
    audit: Audit = field(default_factory=Audit)


Entry = AllowlistEntry | PrivilegedEntry | BlockEntry | WatchEntry | AlertEntry
ENTRY_TYPES: dict[str, type] = {t.LIST: t for t in (AllowlistEntry, PrivilegedEntry, BlockEntry, WatchEntry,
                                                     AlertEntry)}


# The fields of check_text that hold a person's name (list names, aliases, the
# name searched for): invisible format characters in them are removed, as the
# matcher removes them from the called party's name; in any other field they
# are refused with the control characters (validation.NAME_FIELDS, the API's).
_NAME_FIELDS = frozenset({"name", "alias", "--name"})


def check_text(field_name: str, value: str, limit: int, required: bool = True) -> str:
    """The value stripped, or InvalidEntry naming what is wrong with it."""
    if field_name in _NAME_FIELDS:  # stored as staff see it: without invisible characters
        value = without_invisible(value)
    value = value.strip()
    if required and not value:
        raise InvalidEntry(f"{field_name} is required")
    if len(value) > limit:
        raise InvalidEntry(f"{field_name} is longer than {limit} characters")
    if has_control_characters(value):
        raise InvalidEntry(f"{field_name} contains control characters")
    return value
