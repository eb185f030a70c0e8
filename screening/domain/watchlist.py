"""The watchlist in memory: people and organisations inmates must not reach,
found by the called party's name however it is spelled."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from screening.domain.blocklist import Scope
from screening.domain.model import BlockAction, Labelled
from screening.domain.names import NameIndex


class WatchCategory(Labelled):
    VICTIM = 0
    WITNESS = 1
    JUDGE = 2
    PROSECUTOR = 3
    OFFICER = 4
    FRAUD = 5
    ORGANISATION = 6
    OTHER = 7


@dataclass(frozen=True, slots=True)
class WatchRow:
    entry_id: int
    name: str
    aliases: tuple[str, ...] = ()
    category: WatchCategory = WatchCategory.OTHER
    action: BlockAction = BlockAction.REVIEW
    scope: Scope = Scope()


@dataclass(frozen=True, slots=True)
class WatchHit:
    entry_id: int
    name: str  # the entry's name or alias that matched
    score: float
    partial: bool
    category: WatchCategory
    action: BlockAction


class Watchlist:
    def __init__(self, rows: Iterable[WatchRow] = ()):
        # Watchlists are tens of thousands of entries: a dict of their small
        # metadata costs little next to the name index itself.
        self._entries: dict[int, tuple[WatchCategory, BlockAction, Scope]] = {}
        names: list[tuple[int, str]] = []
        for row in rows:
            self._entries[row.entry_id] = (row.category, row.action, row.scope)
            names.extend((row.entry_id, name) for name in (row.name, *row.aliases))
        self._index = NameIndex(names)

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, name: str, facility: str, inmate: str, threshold: float) -> list[WatchHit]:
        """Entries that apply to this call whose name scores at least `threshold`, best first."""
        hits = []
        for match in self._index.search(name, threshold):
            category, action, scope = self._entries[match.entry_id]
            if scope.applies(facility, inmate):
                hits.append(WatchHit(match.entry_id, match.name, match.score, match.partial, category, action))
        return hits
