"""The allowlist and the number tables with the changes since they were built.

A national allowlist takes seconds to build; a change touches a few entries.
So a change leaves the compact lists as they are and notes beside them what
was added and removed, and a lookup asks both (overlay.apply_delta). Each
overlaid list is immutable too: a change makes a new one, copying only the
notes, whose size follows the changes, not the list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from screening.domain import relationships
from screening.domain.lists import Allowlist, Contact, NumberTable, relationship_code
from screening.domain.snapshots import ListChange, allow_row


class _Approval(NamedTuple):
    facility: str  # "" for every facility
    contact: Contact


class OverlaidAllowlist:
    """An Allowlist and the approvals added and removed since it was built.

    Answers exactly as an Allowlist built of the current rows: of the
    approvals of a number that hold in the facility, the lowest entry id.
    """

    __slots__ = ("_base", "_removed", "_placed", "_at", "_net")

    def __init__(self, base: Allowlist, removed: set[int], placed: dict[int, tuple[str, int]],
                 at: dict[tuple[str, int], tuple[_Approval, ...]], net: dict[str, int]):
        self._base = base
        self._removed = removed  # entry ids of the base no longer there (removed, or edited: then also placed)
        self._placed = placed  # entry id -> (inmate, number key) of the approvals added
        # (inmate, number key) -> the approvals added there, by entry id; a
        # key for every place a change touched, so an untouched number costs
        # one dict lookup more than the base alone.
        self._at = at
        self._net = net  # inmate -> approvals gained (or lost, < 0)

    def __len__(self) -> int:
        return len(self._base) - len(self._removed) + len(self._placed)

    @property
    def inmate_count(self) -> int:
        count = self._base.inmate_count
        for inmate, gained in self._net.items():
            had = self._base.count_of(inmate)
            count += (had + gained > 0) - (had > 0)
        return count

    def overlay_size(self) -> int:
        return len(self._removed) + len(self._placed)

    def nbytes(self) -> int:
        return self._base.nbytes()

    def find(self, inmate: str, facility: str, key: int) -> int | None:
        contact = self.find_contact(inmate, facility, key)
        return None if contact is None else contact.entry_id

    def find_contact(self, inmate: str, facility: str, key: int) -> Contact | None:
        added = self._at.get((inmate, key))
        if added is None:
            return self._base.find_contact(inmate, facility, key)
        slot = self._base.find_slot(inmate, facility, key, self._removed)
        kept = None if slot < 0 else self._base.contact_at(slot)
        new = next((a.contact for a in added if a.facility == "" or a.facility == facility), None)
        if kept is None or (new is not None and new.entry_id < kept.entry_id):
            return new
        return kept


def overlaid_allowlist(allowlist: Allowlist | OverlaidAllowlist, changes: Iterable[ListChange]) -> OverlaidAllowlist:
    """The allowlist after these changes (rows as snapshots.COLUMNS), in order."""
    if isinstance(allowlist, OverlaidAllowlist):
        edit = _AllowEdit(allowlist._base, set(allowlist._removed), dict(allowlist._placed), dict(allowlist._at),
                          dict(allowlist._net))
    else:
        edit = _AllowEdit(allowlist, set(), {}, {}, {})
    for change in changes:
        # An edit is a removal and an addition: its inmate or number may change too.
        if change.before is not None:
            edit.remove(change.entry_id, *allow_row(change.before)[:2])
        if change.after is not None:
            edit.add(allow_row(change.after))
    return OverlaidAllowlist(edit.base, edit.removed, edit.placed, edit.at, edit.net)


class _AllowEdit:
    """The notes of an OverlaidAllowlist while a delta is applied to copies of them."""

    def __init__(self, base: Allowlist, removed: set[int], placed: dict[int, tuple[str, int]],
                 at: dict[tuple[str, int], tuple[_Approval, ...]], net: dict[str, int]):
        self.base, self.removed, self.placed, self.at, self.net = base, removed, placed, at, net

    def remove(self, entry_id: int, inmate: str, key: int) -> None:
        place = self.placed.pop(entry_id, None)
        if place is not None:
            self.at[place] = tuple(a for a in self.at[place] if a.contact.entry_id != entry_id)
            inmate = place[0]
        else:
            self.removed.add(entry_id)
            self.at.setdefault((inmate, key), ())
        self.net[inmate] = self.net.get(inmate, 0) - 1

    def add(self, row: tuple) -> None:
        inmate, key, entry_id, facility, name, relationship = row
        if entry_id in self.placed:  # added twice: the later row holds
            self.remove(entry_id, inmate, key)
        contact = Contact(entry_id, name, relationships.KINDS[relationship_code(relationship)])
        place = (inmate, key)
        self.at[place] = tuple(sorted((*self.at.get(place, ()), _Approval(facility, contact)),
                                      key=lambda a: a.contact.entry_id))
        self.placed[entry_id] = place
        self.net[inmate] = self.net.get(inmate, 0) + 1


_UNCHANGED = object()


class OverlaidNumbers:
    """A NumberTable (number key -> (entry id or count, tag)) and the keys
    changed since it was built: each to its new value, or None if gone."""

    __slots__ = ("_base", "_changes", "_length")

    def __init__(self, base: NumberTable, changes: dict[int, tuple[int, int] | None], length: int):
        self._base, self._changes, self._length = base, changes, length

    def __len__(self) -> int:
        return self._length

    def overlay_size(self) -> int:
        return len(self._changes)

    def nbytes(self) -> int:
        return self._base.nbytes()

    def find(self, key: int) -> tuple[int, int] | None:
        found = self._changes.get(key, _UNCHANGED)
        return self._base.find(key) if found is _UNCHANGED else found


class NumberEdit:
    """A number table being changed key by key: what overlaid_numbers makes the new table of."""

    def __init__(self, table: NumberTable | OverlaidNumbers):
        if isinstance(table, OverlaidNumbers):
            self._base, self._changes, self._length = table._base, dict(table._changes), table._length
        else:
            self._base, self._changes, self._length = table, {}, len(table)

    def find(self, key: int) -> tuple[int, int] | None:
        found = self._changes.get(key, _UNCHANGED)
        return self._base.find(key) if found is _UNCHANGED else found

    def set(self, key: int, value: tuple[int, int] | None) -> None:
        self._length += (value is not None) - (self.find(key) is not None)
        if value == self._base.find(key):
            self._changes.pop(key, None)  # back as built: nothing to note
        else:
            self._changes[key] = value

    def done(self) -> OverlaidNumbers:
        return OverlaidNumbers(self._base, self._changes, self._length)


@dataclass(frozen=True, slots=True)
class Replaced:
    """What changed in a list of entries known by id (blocklist, watchlist):
    the base's entries no longer there, and the entries added, edited ones
    as they are now (an edit replaces the base's entry)."""

    removed: frozenset[int] = frozenset()
    rows: dict[int, object] = field(default_factory=dict)  # entry id -> row as the list takes it

    def __len__(self) -> int:
        return len(self.removed) + len(self.rows)

    def length(self, base: int) -> int:
        """Entries in the list, given the base's."""
        return base - len(self.removed) + len(self.rows)

    def after(self, changes: Iterable[ListChange], row_of: Callable[[tuple], object]) -> Replaced:
        removed, rows = set(self.removed), dict(self.rows)
        for change in changes:
            if change.before is not None and rows.pop(change.entry_id, None) is None:
                removed.add(change.entry_id)  # an entry of the base (one added since was popped)
            if change.after is not None:
                rows[change.entry_id] = row_of(change.after)
        return Replaced(frozenset(removed), rows)
