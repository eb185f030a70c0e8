"""The watchlist with the changes since it was built: the base's name index,
its removed entries filtered out of every search, and a small index of the
entries added (edited ones as they are now).

Watchlist's own logic (deny entries first, the few most severe) runs
unchanged over a MergedIndex, which searches both indexes and puts their
matches in the order one index of all the entries would: by score, then
the lighter name, then the entry id (NameIndex.search).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import NamedTuple

from screening.domain.names import Accept, NameIndex, NameMatch, NameQuery, normalize_name
from screening.domain.overlay_lists import Replaced
from screening.domain.snapshots import ListChange, watch_row
from screening.domain.watchlist import Watchlist


class OverlaidWatchlist(Watchlist):
    def __init__(self, base: Watchlist, replaced: Replaced):
        # Not Watchlist.__init__: the base's entries and index are shared as
        # they are; only the entries added are indexed.
        added = Watchlist(replaced.rows.values())
        self._base, self._replaced = base, replaced
        # A new watchlist remembers no answer: none of the one before holds.
        self._hold(_Entries(added._entries, base._entries), MergedIndex(base._index, added._index, replaced.removed),
                   base._scoped or added._scoped)

    def __len__(self) -> int:
        return self._replaced.length(len(self._base))

    def overlay_size(self) -> int:
        return len(self._replaced)


def overlaid_watchlist(watchlist: Watchlist, changes: Iterable[ListChange]) -> OverlaidWatchlist:
    """The watchlist after these changes (rows as snapshots.COLUMNS), in order."""
    if isinstance(watchlist, OverlaidWatchlist):
        return OverlaidWatchlist(watchlist._base, watchlist._replaced.after(changes, watch_row))
    return OverlaidWatchlist(watchlist, Replaced().after(changes, watch_row))


class _Entries(dict):
    """The added entries' metadata, then the base's (its removed entries are
    never asked for: no search finds them)."""

    __slots__ = ("_base",)

    def __init__(self, added: dict, base: dict):
        super().__init__(added)
        self._base = base

    def __missing__(self, entry_id: int):
        return self._base[entry_id]


class MergedQuery(NamedTuple):
    text: str
    base: NameQuery
    added: NameQuery


class MergedIndex:
    """Two NameIndexes searched as one, the entries `removed` left out of the first."""

    __slots__ = ("_base", "_added", "_removed")

    def __init__(self, base: NameIndex, added: NameIndex, removed: frozenset[int]):
        self._base, self._added, self._removed = base, added, removed

    def __len__(self) -> int:
        return len(self._base) + len(self._added)

    def query(self, text: str) -> MergedQuery:
        return MergedQuery(text, self._base.query(text), self._added.query(text))

    def search(self, query: str | MergedQuery, threshold: float, limit: int | None = None,
               accept: Accept | None = None, whole: bool = False) -> list[NameMatch]:
        if isinstance(query, str):
            query = self.query(query)
        found = self._base.search(query.base, threshold, limit, self._kept(accept), whole)
        if limit is not None and len(found) == limit:
            threshold = max(threshold, found[-1].score)  # below the base's worst, none would be kept
        added = self._added.search(query.added, threshold, limit, accept, whole)
        if not added:
            return found
        return _merged(query.text, found, added, limit)

    def _kept(self, accept: Accept | None) -> Accept | None:
        removed = self._removed
        if not removed:
            return accept
        if accept is None:
            return lambda entry_id: entry_id not in removed
        return lambda entry_id: entry_id not in removed and accept(entry_id)


def _merged(text: str, found: list[NameMatch], added: list[NameMatch], limit: int | None) -> list[NameMatch]:
    """Two searches' matches (each in its index's order) in the order of one search of both indexes."""
    from_added = {match.entry_id for match in added}
    merged: list[NameMatch] = []
    # A stable sort: each index's matches keep their order within a score.
    for _, tied in itertools.groupby(sorted([*found, *added], key=lambda m: -m.score), key=lambda m: m.score):
        tied = list(tied)
        if len({match.entry_id in from_added for match in tied}) > 1:
            tied = _ties(text, tied)
        merged.extend(tied)
        if limit is not None and len(merged) >= limit:
            return merged[:limit]
    return merged


def _ties(text: str, tied: list[NameMatch]) -> list[NameMatch]:
    """Matches of one score from both indexes, in the order of one index:
    the lighter name (its words fewer or more common), then the lower id.

    A name's weight is the index's own business; an index of just these
    names, asked the same question, orders them by it.
    """
    by_id = sorted(tied, key=lambda match: match.entry_id)
    if len({tuple(sorted(normalize_name(match.name))) for match in tied}) == 1:
        return by_id  # the same words: the same weight
    ranked = NameIndex((match.entry_id, match.name) for match in tied).search(text, tied[0].score)
    place = {match.entry_id: i for i, match in enumerate(ranked)}
    return sorted(by_id, key=lambda match: place.get(match.entry_id, len(place)))
