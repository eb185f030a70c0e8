"""The lists, held in memory for screening: compact, immutable, swapped whole.

Sized for national scale (millions of entries): numbers are integer keys in
sorted `array`s searched with `bisect`, so an entry costs a few machine words
rather than a Python object. A snapshot is never changed after it is built;
a reload builds a new one and swaps the reference, so a call is always
screened against one consistent version of every list.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from screening.domain import relationships
from screening.domain.blocklist import BlockTable
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
    sorted by number. An entry may be limited to one facility (facility code
    > 0) or hold in every facility (code 0). The contacts' registered names
    are one joined string with offsets: no string object per entry; their
    relationships one byte each, the code of the canonical kind.
    """

    __slots__ = ("_inmates", "_facilities", "_offsets", "_keys", "_ids", "_facility_codes", "_names",
                 "_name_offsets", "_relationships")

    def __init__(self, rows: Iterable[tuple] = ()):
        """rows: (inmate id, number key, entry id, facility id or ""[, contact
        name[, relationship as registered]]), grouped by inmate and sorted by
        number key within each inmate."""
        self._inmates: dict[str, int] = {}
        self._facilities: dict[str, int] = {"": 0}
        self._offsets = array("q", [0])
        self._keys = array("q")
        self._ids = array("q")
        self._facility_codes = array("i")
        self._name_offsets = array("q", [0])
        self._relationships = array("b")
        names: list[str] = []
        current, previous_key = None, -1
        for inmate, key, entry_id, facility, *contact in rows:
            if inmate != current:
                if inmate in self._inmates:
                    raise InvalidEntry(f"allowlist rows must be grouped by inmate; {inmate!r} came twice")
                if current is not None:
                    self._offsets.append(len(self._keys))
                self._inmates[inmate] = len(self._inmates)
                current, previous_key = inmate, -1
            if key < previous_key:
                raise InvalidEntry(f"allowlist rows of {inmate!r} must be sorted by number")
            previous_key = key
            self._keys.append(key)
            self._ids.append(entry_id)
            self._facility_codes.append(self._facilities.setdefault(facility, len(self._facilities)))
            names.append(contact[0] if contact else "")
            self._name_offsets.append(self._name_offsets[-1] + len(names[-1]))
            self._relationships.append(relationships.code_of(contact[1]) if len(contact) > 1 else 0)
        if current is not None:
            self._offsets.append(len(self._keys))
        self._names = "".join(names)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def inmate_count(self) -> int:
        return len(self._inmates)

    def find(self, inmate: str, facility: str, key: int) -> int | None:
        """Entry id approving this number for this inmate in this facility."""
        i = self._find(inmate, facility, key)
        return None if i < 0 else self._ids[i]

    def find_contact(self, inmate: str, facility: str, key: int) -> Contact | None:
        """The approval of this number for this inmate in this facility, or None."""
        i = self._find(inmate, facility, key)
        if i < 0:
            return None
        return Contact(self._ids[i], self._names[self._name_offsets[i]:self._name_offsets[i + 1]],
                       relationships.KINDS[self._relationships[i]])

    def _find(self, inmate: str, facility: str, key: int) -> int:
        row = self._inmates.get(inmate)
        if row is None:
            return -1
        keys, end = self._keys, self._offsets[row + 1]
        i = bisect_left(keys, key, self._offsets[row], end)
        facility_code = self._facilities.get(facility, -1)
        while i < end and keys[i] == key:
            code = self._facility_codes[i]
            if code == 0 or code == facility_code:
                return i
            i += 1
        return -1

    def nbytes(self) -> int:
        arrays = (self._offsets, self._keys, self._ids, self._facility_codes, self._name_offsets,
                  self._relationships)
        return sum(a.itemsize * len(a) for a in arrays) + len(self._names)


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

    def counts(self) -> dict[str, int]:
        return {"allowlist": len(self.allowlist), "privileged": len(self.privileged), "blocklist": len(self.blocked),
                "watchlist": len(self.watchlist)}
