"""Entries as plain records: what every store keeps and what the change log
holds before and after each change.

A record is a dict of JSON values (str, int, list of str): enums as the
labels staff type, scopes as text, times as ISO 8601 ("" for none), aliases
as a list. Every backend stores these values, so a record read back from any
of them, or replayed from the change log, compares equal.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from typing import Any

from screening.domain.alerts import AlertKind
from screening.domain.blocklist import Category, Scope
from screening.domain.entries import ENTRY_TYPES, Audit, Entry
from screening.domain.model import BlockAction, PrivilegedKind
from screening.domain.watchlist import WatchCategory

Record = dict[str, Any]
AUDIT_FIELDS = ("created_at", "created_by", "reason")

# Fields that are not plain text or numbers: how each is written, and read.
_CODECS = {
    "kind": (lambda v: v.label, PrivilegedKind.from_label),
    "action": (lambda v: v.label, BlockAction.from_label),
    "category": (lambda v: v.label, Category.from_label),
    "scope": (str, Scope.parse),
    "expires_at": (lambda v: v.isoformat() if v else "", lambda t: datetime.fromisoformat(t) if t else None),
    "aliases": (list, tuple),
}
_LIST_CODECS = {"watchlist": {"category": (lambda v: v.label, WatchCategory.from_label)},
                "alerts": {"kind": (lambda v: v.label, AlertKind.from_label)}}


@functools.cache
def fields_of(list_name: str) -> tuple[str, ...]:
    """A list's record fields, in the order stores keep them: id, the
    entry's own fields, then who added it, when and why."""
    entry_type = ENTRY_TYPES[list_name]
    own = [f.name for f in dataclasses.fields(entry_type) if f.name not in ("id", "audit")]
    return ("id", *own, *AUDIT_FIELDS)


def to_record(entry: Entry) -> Record:
    codecs = _codecs(entry.LIST)
    record: Record = {"id": entry.id}
    for f in dataclasses.fields(entry):
        if f.name in ("id", "audit"):
            continue
        value = getattr(entry, f.name)
        record[f.name] = codecs[f.name][0](value) if f.name in codecs else value
    audit = entry.audit
    record["created_at"] = audit.created_at.isoformat() if audit.created_at else ""
    record["created_by"] = audit.created_by
    record["reason"] = audit.reason
    return record


def from_record(list_name: str, record: Record) -> Entry:
    codecs = _codecs(list_name)
    values = {name: codecs[name][1](value) if name in codecs else value
              for name, value in record.items() if name not in AUDIT_FIELDS}
    created = record["created_at"]
    audit = Audit(datetime.fromisoformat(created) if created else None, record["created_by"], record["reason"])
    return ENTRY_TYPES[list_name](audit=audit, **values)


def key_of(list_name: str, record: Record) -> tuple:
    """The values that identify an entry in its list (Entry.KEY)."""
    return tuple(record[name] for name in ENTRY_TYPES[list_name].KEY)


def _codecs(list_name: str) -> dict:
    return {**_CODECS, **_LIST_CODECS.get(list_name, {})}
