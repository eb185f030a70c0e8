"""Reports for the police and for security staff, aggregated from the
decision log as it streams (DecisionLog.search): per list entry, per
number, per inmate; nothing holds every decision, only counts and the sets
of inmates and facilities each row names.

Privileged calls are left out of every report (they are never recorded:
neither their number nor the entry they matched may show), and so are the
numbers on the privileged list, wherever they come from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from screening.domain.blocklist import Category
from screening.domain.entries import AllowlistEntry, BlockEntry, PrivilegedEntry, WatchEntry
from screening.domain.model import Decision
from screening.domain.watchlist import WatchCategory
from screening.service.ports import DecisionLog, DecisionQuery, Store, StoreError

# The findings that name a blocklist or watchlist entry a call hit, in the
# order a decision is assigned to one of them (see _hit_decisions).
HIT_REASONS = ("BLOCKED_NUMBER", "BLOCKED_PATTERN", "NEAR_BLOCKED_NUMBER", "WATCHLIST_MATCH")
HIT_LISTS = (BlockEntry.LIST, WatchEntry.LIST)
DECISIONS = tuple(d.name for d in Decision if d is not Decision.UNSPECIFIED)
ANY_FACILITY = "*"  # an allowlist entry for every facility


@dataclass
class Table:
    """Rows of one kind; a report has one or more. Columns ending in `_at`
    hold Unix times; list values hold names (inmates, facilities)."""

    name: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    note: str = ""  # e.g. that a graph was cut at its bound


@dataclass
class Report:
    name: str  # hits, shared-numbers, inmate, links
    filters: dict[str, Any]  # as given, for the audit entry
    tables: list[Table]

    @property
    def rows(self) -> int:
        return sum(len(table.rows) for table in self.tables)


@dataclass
class Tally:
    """What a set of attempts adds up to."""

    attempts: int = 0
    first_at: float | None = None
    last_at: float | None = None
    inmates: set[str] = field(default_factory=set)
    facilities: set[str] = field(default_factory=set)
    decisions: Counter = field(default_factory=Counter)

    def add(self, decision: dict[str, Any]) -> None:
        at = decision["at"]
        self.attempts += 1
        self.first_at = at if self.first_at is None else min(self.first_at, at)
        self.last_at = at if self.last_at is None else max(self.last_at, at)
        self.inmates.add(decision["inmate_id"])
        self.facilities.add(decision["facility_id"])
        self.decisions[decision["decision"]] += 1

    def columns(self) -> dict[str, Any]:
        return {"attempts": self.attempts, "first_at": self.first_at, "last_at": self.last_at,
                "inmates": len(self.inmates), "facilities": len(self.facilities),
                **{d.lower(): self.decisions[d] for d in DECISIONS},
                "inmate_ids": sorted(self.inmates), "facility_ids": sorted(self.facilities)}


TALLY_COLUMNS = ("attempts", "first_at", "last_at", "inmates", "facilities", *(d.lower() for d in DECISIONS),
                 "inmate_ids", "facility_ids")
HIT_COLUMNS = ("entry", "list", "pattern", "name", "category", "action", "source", *TALLY_COLUMNS)


def hits(store: Store, log: DecisionLog, source: str = "", category: str = "", since: float | None = None,
         until: float | None = None) -> Report:
    """For each blocklist or watchlist entry a call hit: the attempts, first
    and last, distinct inmates and facilities, and the decisions. source:
    only the entries of that police report; category: only that category's."""
    filters = {"source": source, "category": category, "since": since, "until": until}
    wanted = _wanted_entries(store, source, category) if source or category else None
    tallies: dict[str, Tally] = {}
    for decision, entry_ids in _hit_decisions(log, wanted, since, until):
        for entry_id in entry_ids:
            tallies.setdefault(entry_id, Tally()).add(decision)
    known = wanted if wanted is not None else _entries_named(store, tallies)
    rows = [{"entry": entry_id, **_entry_columns(entry_id, known.get(entry_id)), **tally.columns()}
            for entry_id, tally in tallies.items()]
    rows.sort(key=lambda row: (-row["attempts"], row["entry"]))
    return Report("hits", filters, [Table("hits", HIT_COLUMNS, rows)])


def _hit_decisions(log: DecisionLog, wanted: dict | None, since: float | None,
                   until: float | None) -> Iterator[tuple[dict, list[str]]]:
    """Each recorded decision that hit an entry (of `wanted`, when given),
    once, with the entries it hit. Without `wanted`, one search per hit
    reason (each indexed); a decision with several comes in the search of the
    first of them only."""
    if wanted is not None:
        if not wanted:
            return
        searches = [(DecisionQuery(entries=tuple(wanted), since=since, until=until), None)]
    else:
        searches = [(DecisionQuery(reason=reason, since=since, until=until), reason) for reason in HIT_REASONS]
    for query, reason in searches:
        for decision in log.search(query):
            if not decision["record"]:
                continue  # privileged: not even the entry it matched shows
            found = [f for f in decision["findings"] if f["reason"] in HIT_REASONS and f["entry_id"]]
            if reason is not None and min(HIT_REASONS.index(f["reason"]) for f in found) != HIT_REASONS.index(reason):
                continue
            named = list(dict.fromkeys(f["entry_id"] for f in found
                                       if wanted is None or f["entry_id"] in wanted))
            if named:
                yield decision, named


def _wanted_entries(store: Store, source: str, category: str) -> dict[str, Any]:
    """The entries a --source and --category name, as LIST:ID -> entry."""
    filters = {"source": source} if source else {}
    if category:
        labels = _category_labels()
        if category.strip().lower() not in labels:
            raise StoreError(f"--category: {category!r} is not a blocklist or watchlist category; choose one of "
                             f"{', '.join(sorted(labels))}")
        category = category.strip().lower()
    found: dict[str, Any] = {}
    if not category or category in {c.label for c in Category}:
        found.update(_named(store.entries(BlockEntry, **filters, **({"category": category} if category else {}))))
    if category and not source and category in {c.label for c in WatchCategory}:
        found.update(_named(store.entries(WatchEntry, category=category)))
    if source and not found:
        raise StoreError(f"--source: no blocklist entry has the source {source!r}"
                         + (f" and the category {category!r}" if category else "")
                         + " (screening blocklist list shows each entry's source)")
    return found


def _category_labels() -> set[str]:
    return {c.label for c in Category} | {c.label for c in WatchCategory}


def _named(entries: Iterable[Any]) -> dict[str, Any]:
    return {f"{entry.LIST}:{entry.id}": entry for entry in entries}


def _entries_named(store: Store, entry_ids: Iterable[str]) -> dict[str, Any]:
    """The entries still in the store of those named LIST:ID."""
    found = {}
    for entry_id in entry_ids:
        list_name, _, number = entry_id.partition(":")
        entry_type = {BlockEntry.LIST: BlockEntry, WatchEntry.LIST: WatchEntry}.get(list_name)
        if entry_type is not None and number.isdigit():
            found.update(_named(store.entries(entry_type, id=int(number))))
    return found


def _entry_columns(entry_id: str, entry: Any) -> dict[str, Any]:
    list_name = entry_id.partition(":")[0]
    if entry is None:  # removed since: the change log still has it (`screening audit --entry ID`)
        return {"list": list_name, "pattern": "", "name": "(removed)", "category": "", "action": "", "source": ""}
    blocked = isinstance(entry, BlockEntry)  # else a watchlist entry: a name, no pattern
    return {"list": list_name, "pattern": entry.pattern if blocked else "", "name": "" if blocked else entry.name,
            "category": entry.category.label, "action": entry.action.label,
            "source": getattr(entry, "source", "")}


SHARED_COLUMNS = ("number", "inmates", "registered_by", "called_by", "attempts", "facility_ids", "inmate_ids",
                  "names")


def shared_numbers(store: Store, log: DecisionLog, min_inmates: int = 2, since: float | None = None) -> Report:
    """Numbers that several inmates registered (the allowlist now) or called
    (the decision log, from `since`): relay numbers and hubs."""
    if min_inmates < 2:
        raise StoreError(f"--min-inmates: {min_inmates} is less than 2 (a number one inmate uses is not shared)")
    privileged = privileged_numbers(store)
    registered: dict[str, dict[str, list[str]]] = {}  # number -> inmate -> names registered
    facilities: dict[str, set[str]] = {}
    for entry in store.stream(AllowlistEntry):
        if entry.number not in privileged:
            registered.setdefault(entry.number, {}).setdefault(entry.inmate_id, []).append(entry.name)
            facilities.setdefault(entry.number, set()).add(entry.facility_id or ANY_FACILITY)
    called: dict[str, set[str]] = {}
    attempts: Counter = Counter()
    for decision in recorded(log.search(DecisionQuery(since=since)), privileged):
        number = decision["normalized_number"]
        called.setdefault(number, set()).add(decision["inmate_id"])
        facilities.setdefault(number, set()).add(decision["facility_id"])
        attempts[number] += 1
    rows = []
    for number in registered.keys() | called.keys():
        names = registered.get(number, {})
        inmates = set(names) | called.get(number, set())
        if len(inmates) >= min_inmates:
            rows.append({"number": number, "inmates": len(inmates), "registered_by": len(names),
                         "called_by": len(called.get(number, ())), "attempts": attempts[number],
                         "facility_ids": sorted(facilities[number]), "inmate_ids": sorted(inmates),
                         "names": [f"{inmate}: {' / '.join(names[inmate])}" for inmate in sorted(names)]})
    rows.sort(key=lambda row: (-row["inmates"], -row["attempts"], row["number"]))
    return Report("shared-numbers", {"min_inmates": min_inmates, "since": since},
                  [Table("shared-numbers", SHARED_COLUMNS, rows)])


def privileged_numbers(store: Store) -> frozenset[str]:
    return frozenset(entry.number for entry in store.stream(PrivilegedEntry))


def recorded(decisions: Iterable[dict[str, Any]], privileged: frozenset[str]) -> Iterator[dict[str, Any]]:
    """The decisions a report may name the number of: recorded, with a
    number, and not a privileged one (privileged now, if not then)."""
    for decision in decisions:
        if decision["record"] and decision["normalized_number"] and decision["normalized_number"] not in privileged:
            yield decision


def number_query(number: str, since: float | None = None) -> DecisionQuery:
    """Every call of one number in E.164 (the log's key is its digits)."""
    key = int(number[1:])
    return DecisionQuery(number_keys=((key, key + 1),), since=since)
