"""The watchlist in memory: people and organisations inmates must not reach,
found by the called party's name however it is spelled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from screening.domain.blocklist import Scope, ScopeKind
from screening.domain.model import BlockAction, Labelled
from screening.domain.names import Accept, NameIndex, NameMatch


_REMEMBERED = 8192  # (name, facility, inmate, thresholds) answers a watchlist keeps


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
    denies: bool = False  # a whole match of a deny entry at the deny threshold: the call is refused


class Watchlist:
    def __init__(self, rows: Iterable[WatchRow] = ()):
        # Watchlists are tens of thousands of entries: a dict of their small
        # metadata costs little next to the name index itself.
        self._entries: dict[int, tuple[WatchCategory, BlockAction, Scope]] = {}
        shared: dict[tuple[WatchCategory, BlockAction, Scope], tuple[WatchCategory, BlockAction, Scope]] = {}
        names: list[tuple[int, str]] = []
        for row in rows:
            metadata = (row.category, row.action, row.scope)
            self._entries[row.entry_id] = shared.setdefault(metadata, metadata)  # one tuple per kind of entry
            names.extend((row.entry_id, name) for name in (row.name, *row.aliases))
        scoped = any(scope.kind is not ScopeKind.GLOBAL for _, _, scope in self._entries.values())
        self._hold(self._entries, NameIndex(names), scoped)

    def _hold(self, entries: Mapping[int, tuple[WatchCategory, BlockAction, Scope]], index: NameIndex,
              scoped: bool) -> None:
        """Search `index` (a NameIndex, or one searched alike: overlay_watchlist) for these entries;
        `scoped`: some hold for one facility or inmate only."""
        self._entries, self._index, self._scoped = entries, index, scoped
        # Inmates call the same few people again and again: their answers,
        # kept for this watchlist's life (a list change makes a new one),
        # forgotten all at once when there are too many.
        self._remembered: dict[tuple, tuple[WatchHit, ...]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def hits(self, name: str, facility: str, inmate: str, review: float, deny: float, limit: int) -> list[WatchHit]:
        """find_hits, remembered: the same called party of the same inmate is found once."""
        key = (name, facility, inmate, review, deny, limit)
        found = self._remembered.get(key)
        if found is None:
            if len(self._remembered) >= _REMEMBERED:
                self._remembered.clear()
            found = self._remembered[key] = tuple(self.find_hits(*key))
        return list(found)

    def find_hits(self, name: str, facility: str, inmate: str, review: float, deny: float,
                  limit: int) -> list[WatchHit]:
        """The `limit` most severe entries that apply to this call: those that
        deny it first, then the others scoring `review` or more, by score.

        A common name can match hundreds of entries; the few best cost far
        less to find than all of them.
        """
        query = self._index.query(name)  # both searches share its work
        found = self._index.search(query, review, limit, self._applies(facility, inmate))
        denying = [match for match in found if self._denies(match, deny)]
        if self._may_hide_denials(found, limit, deny):
            # Only whole matches: a search of few candidates.
            denying = self._index.search(query, deny, limit, self._deny_entries(facility, inmate), whole=True)
        shown = {match.entry_id for match in denying}
        return [*(self._hit(match, True) for match in denying),
                *(self._hit(match, False) for match in found if match.entry_id not in shown)][:limit]

    def _may_hide_denials(self, found: list[NameMatch], limit: int, deny: float) -> bool:
        """Can an entry that denies be missing from `found`? It can rank below
        `limit` others, or be matched whole by one name and better, partly,
        by another."""
        return (len(found) == limit and found[-1].score >= deny) or any(
            match.partial and match.score >= deny and self._entries[match.entry_id][1] is BlockAction.DENY
            for match in found)

    def search(self, name: str, facility: str, inmate: str, threshold: float,
               limit: int | None = None) -> list[WatchHit]:
        """Entries that apply to this call whose name scores at least `threshold`, best first; at most `limit`."""
        found = self._index.search(name, threshold, limit, self._applies(facility, inmate))
        return [self._hit(match, False) for match in found]

    def _applies(self, facility: str, inmate: str) -> Accept | None:
        """The filter of the entries that hold for this call (None: all do)."""
        if not self._scoped:
            return None
        entries = self._entries

        def applies(entry_id: int) -> bool:
            return entries[entry_id][2].applies(facility, inmate)

        return applies

    def _deny_entries(self, facility: str, inmate: str) -> Accept:
        """The filter of the entries with action deny that hold for this call."""
        entries = self._entries

        def denying(entry_id: int) -> bool:
            _, action, scope = entries[entry_id]
            return action is BlockAction.DENY and scope.applies(facility, inmate)

        return denying

    def _denies(self, match: NameMatch, deny: float) -> bool:
        return not match.partial and match.score >= deny and self._entries[match.entry_id][1] is BlockAction.DENY

    def _hit(self, match: NameMatch, denies: bool) -> WatchHit:
        category, action, _ = self._entries[match.entry_id]
        return WatchHit(match.entry_id, match.name, match.score, match.partial, category, action, denies)
