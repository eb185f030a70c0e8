"""The lists, held in memory for screening: compact, immutable, swapped whole.

Sized for national scale (millions of entries): numbers are integer keys in
sorted `array`s searched with `bisect`, so an entry costs a few machine words
rather than a Python object. A snapshot is never changed after it is built;
a reload builds a new one and swaps the reference, so a call is always
screened against one consistent version of every list.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from screening.domain import relationships
from screening.domain.blocklist import BlockTable
from screening.domain.contacts import count_people
from screening.domain.errors import InvalidEntry
from screening.domain.watchlist import Watchlist


class NumberTable:
    """Number key -> (entry id, small integer tag), for global lists."""

    __slots__ = ("_keys", "_ids", "_tags")

    def __init__(self, rows: Iterable[tuple[int, int, int]] = ()):
        """rows: (number key, entry id, tag), sorted by key, keys unique."""
        self._keys = array("q")
        self._ids = array("q")
        self._tags = array("b")
        previous = -1
        for key, entry_id, tag in rows:
            if key <= previous:
                raise InvalidEntry(f"number keys must be unique and ascending; {key} after {previous}")
            self._keys.append(key)
            self._ids.append(entry_id)
            self._tags.append(tag)
            previous = key

    def __len__(self) -> int:
        return len(self._keys)

    def find(self, key: int) -> tuple[int, int] | None:
        """(entry id, tag) of the number, or None."""
        keys = self._keys
        i = bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            return self._ids[i], self._tags[i]
        return None

    def nbytes(self) -> int:
        return sum(a.itemsize * len(a) for a in (self._keys, self._ids, self._tags))


class Contact(NamedTuple):
    """The approval of a number, as find_contact returns it."""

    entry_id: int
    name: str  # the contact's registered name, "" if none
    relationship: str  # its canonical kind (relationships.KINDS), "unknown" if none or not understood


class Allowlist:
    """Per-inmate approved numbers, in compressed sparse rows.

    Each inmate owns the slice offsets[i]:offsets[i+1] of the number arrays,
    sorted by number, then entry id. An entry may be limited to one facility
    (facility code > 0) or hold in every facility (code 0). The contacts'
    registered names are one joined string with offsets: no string object
    per entry; their relationships one byte each, the code of the canonical
    kind.
    """

    __slots__ = ("_inmates", "_facilities", "_offsets", "_keys", "_ids", "_facility_codes", "_names",
                 "_name_offsets", "_relationships")

    def __init__(self, rows: Iterable[tuple] = ()):
        """rows: (inmate id, number key, entry id, facility id or ""[, contact
        name[, relationship as registered]]), grouped by inmate and sorted by
        number key within each inmate (build() takes them in any order)."""
        columns = _Columns()
        current, previous_key = None, -1
        for row in rows:
            inmate, key = row[0], row[1]
            if inmate != current:
                if inmate in columns.inmates:
                    raise InvalidEntry(f"allowlist rows must be grouped by inmate; {inmate!r} came twice")
                current, previous_key = inmate, -1
            if key < previous_key:
                raise InvalidEntry(f"allowlist rows of {inmate!r} must be sorted by number")
            previous_key = key
            columns.add(*row)
        self._take(columns)

    @classmethod
    def build(cls, rows: Iterable[tuple]) -> Allowlist:
        """The allowlist of rows in any order. Rows that come grouped by
        inmate and sorted by number key, then entry id, are taken as they
        come; others are sorted first."""
        columns = _Columns()
        for row in rows:
            columns.add(*row)
        if not columns.ordered:
            columns.sort()
        allowlist = cls.__new__(cls)
        allowlist._take(columns)
        return allowlist

    def _take(self, columns: _Columns) -> None:
        # Inmate codes count up in order of first appearance, and the rows
        # are in code order: an inmate's code is its row in the offsets.
        self._inmates, self._facilities = columns.inmates, columns.facilities
        self._keys, self._ids = columns.keys, columns.ids
        self._facility_codes, self._relationships = columns.facility_codes, columns.relationships
        self._offsets = array("q", [0])
        codes = columns.codes
        for i in range(1, len(codes)):
            if codes[i] != codes[i - 1]:
                self._offsets.append(i)
        if codes:
            self._offsets.append(len(codes))
        self._name_offsets = array("q", [0])
        total = 0
        for name in columns.names:
            total += len(name)
            self._name_offsets.append(total)
        self._names = "".join(columns.names)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def inmate_count(self) -> int:
        return len(self._inmates)

    def find(self, inmate: str, facility: str, key: int) -> int | None:
        """Entry id approving this number for this inmate in this facility."""
        i = self.find_slot(inmate, facility, key)
        return None if i < 0 else self._ids[i]

    def find_contact(self, inmate: str, facility: str, key: int) -> Contact | None:
        """The approval of this number for this inmate in this facility, or None."""
        i = self.find_slot(inmate, facility, key)
        return None if i < 0 else self.contact_at(i)

    def contact_at(self, slot: int) -> Contact:
        return Contact(self._ids[slot], self._name_at(slot), relationships.KINDS[self._relationships[slot]])

    def find_slot(self, inmate: str, facility: str, key: int, skip: Container[int] = ()) -> int:
        """The slot of find's approval, -1 if none; the entries in `skip`
        (an overlay's removals) passed over."""
        row = self._inmates.get(inmate)
        if row is None:
            return -1
        keys, end = self._keys, self._offsets[row + 1]
        i = bisect_left(keys, key, self._offsets[row], end)
        facility_code = self._facilities.get(facility, -1)
        while i < end and keys[i] == key:
            code = self._facility_codes[i]
            if (code == 0 or code == facility_code) and not (skip and self._ids[i] in skip):
                return i
            i += 1
        return -1

    def count_of(self, inmate: str) -> int:
        """How many approvals the inmate has."""
        row = self._inmates.get(inmate)
        return 0 if row is None else self._offsets[row + 1] - self._offsets[row]

    def nbytes(self) -> int:
        arrays = (self._offsets, self._keys, self._ids, self._facility_codes, self._name_offsets,
                  self._relationships)
        return sum(a.itemsize * len(a) for a in arrays) + len(self._names)


    def inmate_at(self, slot: int) -> str:
        """The inmate an array slot belongs to (for the few slots that need it)."""
        row = bisect_right(self._offsets, slot) - 1
        return self._inmate_names()[row]

    def _inmate_names(self) -> list[str]:
        names = [""] * len(self._inmates)
        for inmate, row in self._inmates.items():
            names[row] = inmate
        return names

    def shared_approvals(self) -> NumberTable:
        """Numbers approved for more than one inmate: key -> (how many inmates,
        how many different people they registered it under)."""
        keys = self._keys
        repeated, seen = set(), set()
        for key in keys:
            if key in seen:
                repeated.add(key)
            else:
                seen.add(key)
        del seen
        registrations: dict[int, list[tuple[str, str]]] = {key: [] for key in repeated}
        inmates = self._inmate_names()
        for row in range(len(self._offsets) - 1):
            for slot in range(self._offsets[row], self._offsets[row + 1]):
                if keys[slot] in repeated:
                    registrations[keys[slot]].append((inmates[row], self._name_at(slot)))
        shared = ((key, *counts) for key in sorted(registrations)
                  if (counts := shared_counts(registrations[key])) is not None)
        return NumberTable((key, entry[0], entry[1]) for key, *entry in shared)

    def _name_at(self, slot: int) -> str:
        return self._names[self._name_offsets[slot]:self._name_offsets[slot + 1]]


def shared_counts(registrations: Iterable[tuple[str, str]]) -> tuple[int, int] | None:
    """(inmates, people) for a number's (inmate, registered name) approvals,
    or None when only one inmate approved it. People are capped at 127: the
    table keeps one byte."""
    registrations = list(registrations)
    inmates = len({inmate for inmate, _ in registrations})
    if inmates < 2:
        return None
    return inmates, min(count_people(name for _, name in registrations), 127)


def relationship_code(relationship: str) -> int:
    """The code an approval keeps of its registered relationship (0: unknown)."""
    return relationships.code_of(relationship) if relationship else 0


class _Columns:
    """Allowlist rows gathered into arrays as they come, noting whether they
    came in order (grouped by inmate, by number key, then entry id)."""

    __slots__ = ("inmates", "facilities", "codes", "keys", "ids", "facility_codes", "names", "relationships",
                 "ordered", "_last")

    def __init__(self):
        self.inmates: dict[str, int] = {}
        self.facilities: dict[str, int] = {"": 0}
        self.codes, self.keys, self.ids = array("i"), array("q"), array("q")
        self.facility_codes, self.relationships = array("i"), array("b")
        self.names: list[str] = []
        self.ordered = True
        self._last = (-1, -1, -1)

    def add(self, inmate: str, key: int, entry_id: int, facility: str, name: str = "", relationship: str = "") -> None:
        inmates = self.inmates
        code = inmates.get(inmate)
        if code is None:
            code = inmates[inmate] = len(inmates)
        # A new inmate's code is the highest yet: grouped rows never go back.
        here = (code, key, entry_id)
        if here < self._last:
            self.ordered = False
        self._last = here
        self.codes.append(code)
        self.keys.append(key)
        self.ids.append(entry_id)
        self.facility_codes.append(self.facilities.setdefault(facility, len(self.facilities)))
        self.names.append(name)
        self.relationships.append(relationship_code(relationship))

    def sort(self) -> None:
        codes, keys, ids = self.codes, self.keys, self.ids
        order = sorted(range(len(codes)), key=lambda i: (codes[i], keys[i], ids[i]))
        for name in ("codes", "keys", "ids", "facility_codes", "relationships"):
            column = getattr(self, name)
            setattr(self, name, array(column.typecode, (column[i] for i in order)))
        self.names = [self.names[i] for i in order]
        self.ordered = True


@dataclass(frozen=True, slots=True)
class ListSnapshot:
    """Every list at one list version."""

    version: int
    allowlist: Allowlist = field(default_factory=Allowlist)
    privileged: NumberTable = field(default_factory=NumberTable)
    blocked: BlockTable = field(default_factory=BlockTable)
    # Numbers approved for more than one inmate: key -> (how many inmates,
    # how many different people they registered it under).
    shared_approvals: NumberTable = field(default_factory=NumberTable)
    watchlist: Watchlist = field(default_factory=Watchlist)
    # Changes held beside the compact lists (overlay.apply_delta), 0 for a
    # snapshot built whole: past a bound, a reloader builds a new base.
    overlay: int = 0

    def counts(self) -> dict[str, int]:
        return {"allowlist": len(self.allowlist), "privileged": len(self.privileged), "blocklist": len(self.blocked),
                "watchlist": len(self.watchlist)}

    def overlay_size(self) -> int:
        return self.overlay
