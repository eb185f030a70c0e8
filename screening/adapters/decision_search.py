"""DecisionLog.search's SQL, the same on every backend but for the placeholder.

Results come in time order, a page at a time after the last (at, id) seen
(keyset paging), so a search over millions of decisions holds no cursor and
no lock between pages. Ordering by (at, id) rather than id alone lets the
filter's own index give the order: each index is (column, at) and ends with
the row's id (SQLite's rowid; PostgreSQL sorts the few ties), so a selective
filter reads only its rows, never the whole primary key.

A search by reason or entry starts from decision_findings (migration 0003),
one row per finding, indexed by (reason, at) and (entry_id, at); a decision
with two matching findings comes twice in a row there and is given once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from screening.adapters.decision_rows import NAMES, to_archived
from screening.service.ports import DecisionQuery

FIRST_PAGE, MAX_PAGE = 1000, 10_000  # the first row soon, then fewer round trips

_SELECTED = ", ".join(f"d.{name}" for name in NAMES)


Narrow = Callable[[str], str]


def statement(query: DecisionQuery, mark: str, narrow: Narrow = str) -> tuple[str, str, list]:
    """(the first page's SQL, a next page's SQL, their parameters). A next
    page's takes the last (at, at, id) seen after them, both the page size
    last. The SQL is this module's own, never request data; `mark` is the
    backend's placeholder; narrow(condition) tells the backend's planner
    that a condition holds for few rows (see _decision_filters)."""
    clauses, params = _decision_filters(query, mark, narrow)
    # Entries are few hits each: their index leads. A reason is one of a
    # dozen: it leads alone, but beside a filter of the decisions' own
    # indexes (a number, an inmate...) it is a check on what that one finds.
    by_reason = query.reason and not (query.number_keys or query.inmate or query.facility or query.station
                                      or query.called_names or query.call_id)
    if query.entries or by_reason:
        source, at, key = "decision_findings f JOIN decisions d ON d.id = f.decision_id", "f.at", "f.decision_id"
    else:
        source, at, key = "decisions d", "d.at", "d.id"
    if query.entries:
        clauses.append(f"f.entry_id IN ({_marks(mark, len(query.entries))}) AND f.entry_id <> ''")
        params += query.entries
    if by_reason and not query.entries:
        clauses.append(f"f.reason = {mark}")
        params.append(query.reason)
    elif query.reason:
        # "|| ''": the decision's own findings by their key, never the reason
        # index (SQLite took that: 125,000 index rows read for each decision).
        clauses.append(f"EXISTS (SELECT 1 FROM decision_findings g WHERE g.decision_id = d.id "
                       f"AND g.reason || '' = {mark})")
        params.append(query.reason)
    for condition, value in ((f"{at} >= {mark}", query.since), (f"{at} < {mark}", query.until)):
        if value is not None:
            clauses.append(condition)
            params.append(value)
    head = f"SELECT d.id, {at}, {_SELECTED} FROM {source} WHERE {' AND '.join(clauses) or '1 = 1'}"
    tail = f" ORDER BY {at}, {key} LIMIT {mark}"
    after = f" AND ({at} > {mark} OR ({at} = {mark} AND {key} > {mark}))"
    return head + tail, head + after + tail, params


def _decision_filters(query: DecisionQuery, mark: str, narrow: Narrow) -> tuple[list[str], list]:
    clauses, params = [], []
    if query.number_keys:
        # One number is one key: an equality, which its index answers in time
        # order. A pattern's ranges are narrow (a prefix of a few digits left
        # open), but a planner without statistics on them (SQLite) takes them
        # for wide and walks the time index instead: 10M rows for 50 numbers.
        ranges = [f"d.number_key = {mark}" if high == low + 1 else f"(d.number_key >= {mark} AND d.number_key < {mark})"
                  for low, high in query.number_keys]
        clauses.append(narrow("(" + " OR ".join(ranges) + ")") if len(ranges) > 1 or "<" in ranges[0]
                       else ranges[0])
        params += [bound for low, high in query.number_keys for bound in ((low,) if high == low + 1 else (low, high))]
    for column, value in (("inmate_id", query.inmate), ("facility_id", query.facility),
                          ("station_id", query.station), ("decision", query.decision), ("call_id", query.call_id)):
        if value:
            clauses.append(f"d.{column} = {mark}")
            params.append(value)
    if query.called_names:
        # "<> ''" too: the index holds only the decisions with a name.
        clauses.append(f"d.called_party_name IN ({_marks(mark, len(query.called_names))}) "
                       "AND d.called_party_name <> ''")
        params += query.called_names
    return clauses, params


def _marks(mark: str, count: int) -> str:
    return ", ".join([mark] * int(count))


def pages(query: DecisionQuery, mark: str, fetch: Callable[[str, list], list[tuple]],
          narrow: Narrow = str) -> Iterator[dict[str, Any]]:
    """Every matching decision in time order, a page at a time; fetch(sql, params) runs one query."""
    first, following, params = statement(query, mark, narrow)
    rows, size, last = fetch(first, [*params, FIRST_PAGE]), FIRST_PAGE, None
    while rows:
        for row in rows:
            if row[0] != last:  # the same decision through a second finding
                yield to_archived(tuple(row[2:]))
            last = row[0]
        if len(rows) < size:
            return
        size = min(size * 4, MAX_PAGE)
        at = rows[-1][1]
        rows = fetch(following, [*params, at, at, last, size])
