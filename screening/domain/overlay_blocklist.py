"""The blocklist with the changes since it was built: the base table, the
ids of its entries no longer there, and a small table of the entries added.

Both tables rank what they find the same way (BlockTable.ranked_find: the
longer prefix, a required length, the narrower scope, the lower entry id),
so the better of their two hits is the hit of one table of all the current
entries.
"""

from __future__ import annotations

from collections.abc import Iterable

from screening.domain.blocklist import BlockHit, BlockTable
from screening.domain.overlay_lists import Replaced
from screening.domain.snapshots import ListChange, block_row


class OverlaidBlockTable:
    __slots__ = ("_base", "_replaced", "_added")

    def __init__(self, base: BlockTable, replaced: Replaced):
        self._base, self._replaced = base, replaced
        self._added = BlockTable(replaced.rows.values())

    def __len__(self) -> int:
        return self._replaced.length(len(self._base))

    def overlay_size(self) -> int:
        return len(self._replaced)

    def nbytes(self) -> int:
        return self._base.nbytes() + self._added.nbytes()

    def find(self, key: int, digits: int, facility: str, inmate: str, now: int) -> BlockHit | None:
        added = self._added.ranked_find(key, digits, facility, inmate, now)
        if added is None and not self._replaced.removed:
            return self._base.find(key, digits, facility, inmate, now)
        return _better(added, self._base.ranked_find(key, digits, facility, inmate, now, self._replaced.removed))

    def near_miss(self, key: int, positions: int, now: int) -> BlockHit | None:
        added = self._added.ranked_near_miss(key, positions, now)
        if added is None and not self._replaced.removed:
            return self._base.near_miss(key, positions, now)
        return _better(added, self._base.ranked_near_miss(key, positions, now, self._replaced.removed))


def _better(a: tuple[tuple, BlockHit] | None, b: tuple[tuple, BlockHit] | None) -> BlockHit | None:
    if a is None or b is None:
        found = a or b
        return None if found is None else found[1]
    return min(a, b, key=lambda ranked: ranked[0])[1]


def overlaid_blocklist(table: BlockTable | OverlaidBlockTable, changes: Iterable[ListChange]) -> OverlaidBlockTable:
    """The blocklist after these changes (rows as snapshots.COLUMNS), in order."""
    if isinstance(table, OverlaidBlockTable):
        return OverlaidBlockTable(table._base, table._replaced.after(changes, block_row))
    return OverlaidBlockTable(table, Replaced().after(changes, block_row))
