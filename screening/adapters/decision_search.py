"""DecisionLog.search's SQL, the same on every backend but for the
placeholder and how a finding inside the JSON findings is looked for.

Results come a page at a time by id (keyset paging), so a search over
millions of decisions holds no cursor and no lock between pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from screening.adapters.decision_rows import COLUMNS, to_archived
from screening.service.ports import DecisionQuery

PAGE = 1000

# The findings are stored as JSON [[reason, effect, detail, entry_id, score], ...].
REASON, ENTRY = 0, 3


def where(query: DecisionQuery, mark: str, finding_has: Callable[[int, int], str]) -> tuple[str, list]:
    """The WHERE clause (SQL of this module's own, never request data) and
    its parameters. finding_has(i, n): SQL true when some finding's i-th
    field equals one of the next n parameters."""
    clauses, params = [], []
    if query.number_keys:
        clauses.append("(" + " OR ".join(f"(number_key >= {mark} AND number_key < {mark})"
                                          for _ in query.number_keys) + ")")
        params += [bound for low_high in query.number_keys for bound in low_high]
    for column, value in (("inmate_id", query.inmate), ("facility_id", query.facility),
                          ("station_id", query.station), ("decision", query.decision), ("call_id", query.call_id)):
        if value:
            clauses.append(f"{column} = {mark}")
            params.append(value)
    for condition, value in ((f"at >= {mark}", query.since), (f"at < {mark}", query.until)):
        if value is not None:
            clauses.append(condition)
            params.append(value)
    for field, values in ((REASON, (query.reason,) if query.reason else ()), (ENTRY, query.entries)):
        if values:
            clauses.append(finding_has(field, len(values)))
            params += values
    return " AND ".join(clauses) or "1 = 1", params


def pages(query: DecisionQuery, mark: str, finding_has: Callable[[int, int], str],
          fetch: Callable[[str, list], list[tuple]]) -> Iterator[dict[str, Any]]:
    """Every matching decision, by id, a page at a time; fetch(sql, params) runs one query."""
    condition, params = where(query, mark, finding_has)
    sql = f"SELECT id, {COLUMNS} FROM decisions WHERE {condition} AND id > {mark} ORDER BY id LIMIT {mark}"
    last = 0
    while rows := fetch(sql, [*params, last, PAGE]):
        for row in rows:
            yield to_archived(tuple(row[1:]))
        last = rows[-1][0]
