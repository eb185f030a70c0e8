"""The blocklist with the changes since it was built: the base table, the
ids of its entries no longer there, and a small table of the entries added.

Both tables rank what they find the same way (BlockTable.ranked_find: the
longer prefix, a required length, the narrower scope, the lower entry id),
so the better of their two hits is the hit of one table of all the current
entries.
"""

from __future__ import annotations

from collections.abc import Iterable

from screening.domain.blocklist import BlockHit, BlockRow, BlockTable
from screening.domain.overlay_lists import Replaced
from screening.domain.patterns import MAX_DIGITS, load_pattern
from screening.domain.snapshots import ListChange, block_row


class OverlaidBlockTable:
    __slots__ = ("_base", "_replaced", "_added", "_heads", "_short")

    def __init__(self, base: BlockTable, replaced: Replaced):
        self._base, self._replaced = base, replaced
        self._added = BlockTable(replaced.rows.values())
        self._heads, self._short = _heads(replaced.rows.values())

    def __len__(self) -> int:
        return self._replaced.length(len(self._base))

    def overlay_size(self) -> int:
        return len(self._replaced)

    def nbytes(self) -> int:
        return self._base.nbytes() + self._added.nbytes()

    def find(self, key: int, digits: int, facility: str, inmate: str, now: int) -> BlockHit | None:
        added = self._added.ranked_find(key, digits, facility, inmate, now) if self._may_hold(key, digits) else None
        if added is None:
            return self._base.find(key, digits, facility, inmate, now, self._replaced.removed)
        return _better(added, self._base.ranked_find(key, digits, facility, inmate, now, self._replaced.removed))

    def _may_hold(self, key: int, digits: int) -> bool:
        """Can an added entry hold this number? Most numbers do not start as
        any of them: a set lookup spares the added table's lookups."""
        if digits < _HEAD or key // _POWERS[digits - _HEAD] in self._heads:
            return True
        return any(key // _POWERS[digits - length] == prefix for prefix, length in self._short if length <= digits)

    def near_miss(self, key: int, positions: int, now: int) -> BlockHit | None:
        added = self._added.ranked_near_miss(key, positions, now)
        if added is None and not self._replaced.removed:
            return self._base.near_miss(key, positions, now)
        return _better(added, self._base.ranked_near_miss(key, positions, now, self._replaced.removed))


_HEAD = 8  # leading digits of a number looked up in the heads of the added entries
_POWERS = tuple(10 ** n for n in range(MAX_DIGITS + 1))


def _heads(rows: Iterable[BlockRow]) -> tuple[frozenset[int], tuple[tuple[int, int], ...]]:
    """The first _HEAD digits of every rule's prefix; (prefix, length) of those shorter."""
    heads, short = set(), set()
    for row in rows:
        exact = row.pattern[1:].isdigit()
        for prefix in [row.pattern[1:]] if exact else [rule.prefix for rule in load_pattern(row.pattern).rules]:
            if len(prefix) >= _HEAD:
                heads.add(int(prefix[:_HEAD]))
            else:
                short.add((int(prefix), len(prefix)))
    return frozenset(heads), tuple(sorted(short))


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
