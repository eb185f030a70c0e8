"""The lists in memory, built from the plain rows a store yields.

A store (any backend) reads each list at one version and yields one tuple
per entry, with the columns below, values as stored: numbers in E.164,
labels for kinds, actions and categories, scopes as text, expiries as ISO
8601 text ("" for none), aliases as a sequence of names. The domain does
the rest: number keys, sort orders, shared-number counts, the one-byte
caps, the name index. Rows may come in any order; in the order noted for
each list they are taken as they come, with no sort: a store that reads
them in that order saves sorting millions.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from screening.domain import garbage
from screening.domain.blocklist import BlockRow, BlockTable, Category, Scope
from screening.domain.lists import Allowlist, ListSnapshot, NumberTable
from screening.domain.model import BlockAction, PrivilegedKind
from screening.domain.watchlist import WatchCategory, Watchlist, WatchRow

# The columns of each list's rows, and the order that costs no sort.
COLUMNS = {
    "allowlist": ("id", "inmate_id", "facility_id", "number", "name", "relationship"),  # inmate_id, number, id
    "privileged": ("id", "number", "kind"),  # number
    "blocklist": ("id", "pattern", "category", "action", "scope", "expires_at"),  # any
    "watchlist": ("id", "name", "aliases", "category", "action", "scope"),  # any
}
LISTS = tuple(COLUMNS)


@dataclass(frozen=True)
class ListRows:
    """Every list's rows at one list version."""

    version: int
    allowlist: Iterable[tuple] = ()
    privileged: Iterable[tuple] = ()
    blocklist: Iterable[tuple] = ()
    watchlist: Iterable[tuple] = ()


def build_snapshot(rows: ListRows) -> ListSnapshot:
    with garbage.paused():  # millions of objects, no cycles: see garbage.py
        allowlist = Allowlist.build(allow_row(row) for row in rows.allowlist)
        privileged = NumberTable(sorted(privileged_row(row) for row in rows.privileged))
        blocked = BlockTable(block_row(row) for row in rows.blocklist)
        watchlist = Watchlist(watch_row(row) for row in rows.watchlist)
        return ListSnapshot(rows.version, allowlist, privileged, blocked, allowlist.shared_approvals(), watchlist)


def allow_row(row: tuple) -> tuple:
    """A stored allowlist row as Allowlist takes it."""
    entry_id, inmate, facility, number, name, relationship = row
    return inmate, int(number[1:]), entry_id, facility, name, relationship


def privileged_row(row: tuple) -> tuple[int, int, PrivilegedKind]:
    entry_id, number, kind = row
    return int(number[1:]), entry_id, _kind(kind)


def block_row(row: tuple) -> BlockRow:
    entry_id, pattern, category, action, scope, expires_at = row
    return BlockRow(entry_id, pattern, _action(action), _category(category), _scope(scope), _epoch(expires_at))


def watch_row(row: tuple) -> WatchRow:
    entry_id, name, aliases, category, action, scope = row
    return WatchRow(entry_id, name, tuple(aliases), _watch_category(category), _action(action), _scope(scope))


# A few kinds, actions, categories, scopes and expiries recur across
# hundreds of thousands of rows: each is read once.
_kind = functools.cache(PrivilegedKind.from_label)
_action = functools.cache(BlockAction.from_label)
_category = functools.cache(Category.from_label)
_watch_category = functools.cache(WatchCategory.from_label)
_scope = functools.cache(Scope.parse)


@functools.cache
def _epoch(text: str) -> int:
    """An expiry as Unix seconds; 0 = never."""
    return int(datetime.fromisoformat(text).timestamp()) if text else 0


@dataclass(frozen=True)
class ListChange:
    """One entry of one list changed: added (no before), removed (no after)
    or edited (both). Rows are as build_snapshot takes them (COLUMNS)."""

    list: str
    entry_id: int
    before: tuple | None
    after: tuple | None


@dataclass(frozen=True)
class Delta:
    """The changes that take the lists from one version to `version`, in
    order, with what the numbers they touch need: every current approval
    (inmate, registered name) of each number an allowlist change touched,
    so its shared-number counts can be worked out again."""

    version: int
    changes: tuple[ListChange, ...]
    approvals: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.changes)


def snapshot_row(list_name: str, record: Mapping) -> tuple:
    """A stored entry (its canonical record, domain.records) as a row of its list."""
    return tuple(record[column] for column in COLUMNS[list_name])
