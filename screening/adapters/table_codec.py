"""How the SQL backends keep entries in their tables: a column a record field
(domain/records.py), every value as the record holds it but the watchlist's
aliases, kept as JSON text. SQLite and PostgreSQL both store exactly these
strings, so a row read back from either is the same record, and hashes the
same in the change log."""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Collection, Iterable, Iterator

from screening.domain.entries import BlockEntry, Entry
from screening.domain.records import AUDIT_FIELDS, Record, fields_of, from_record, to_record
from screening.domain.snapshots import ListRows
from screening.service.ports import StoreError

# Columns stored as text: how a value is written (imports write millions).
_TEXT_COLUMNS = {
    "kind": lambda v: v.label,
    "action": lambda v: v.label,
    "category": lambda v: v.label,
    "scope": str,
    "expires_at": lambda v: v.isoformat() if v else "",
    "aliases": lambda v: json.dumps(list(v), ensure_ascii=False),
}


# What a snapshot reads of each list (domain.snapshots), in SQL both backends
# speak. (length, text) of "+digits" is the numbers' order: no sort left for
# the domain.
_SNAPSHOT_QUERIES = (
    "SELECT id, inmate_id, facility_id, number, name, relationship FROM allowlist "
    "ORDER BY inmate_id, length(number), number, id",
    "SELECT id, number, kind FROM privileged ORDER BY length(number), number",
    "SELECT id, pattern, category, action, scope, expires_at FROM blocklist ORDER BY id",
    "SELECT id, name, aliases, category, action, scope FROM watchlist ORDER BY id",
)


def snapshot_rows(version: int, select: Callable[[str], Iterable[tuple]]) -> ListRows:
    """Every list's rows at `version`, each from select(query), read as the snapshot is built."""
    allowlist, privileged, blocklist, watchlist = map(select, _SNAPSHOT_QUERIES)
    return ListRows(version, allowlist, privileged, blocklist,
                    ((entry_id, name, json.loads(aliases), *rest) for entry_id, name, aliases, *rest in watchlist))


def columns(entry_type: type) -> tuple[str, ...]:
    """A list's columns: the record's fields, in their order."""
    return fields_of(entry_type.LIST)


def own_columns(entry_type: type) -> list[str]:
    """The columns an entry's own fields fill: not its id, not its audit fields."""
    return [c for c in columns(entry_type) if c not in ("id", *AUDIT_FIELDS)]


def row_of(entry: Entry) -> dict:
    """An entry as its table's columns hold it: its record, aliases as JSON text."""
    record = to_record(entry)
    if "aliases" in record:
        record["aliases"] = json.dumps(record["aliases"], ensure_ascii=False)
    return record


def record_of_row(list_name: str, row: dict) -> Record:
    """A table's row (by column) as the entry's record."""
    if "aliases" in row:
        row = {**row, "aliases": json.loads(row["aliases"])}
    return row


def entry_of(entry_type: type, row: dict) -> Entry:
    return from_record(entry_type.LIST, record_of_row(entry_type.LIST, row))


@functools.cache
def writer(entry_type: type) -> Callable[[Entry], list]:
    """What row_of gives for own_columns, as a list in that order, quicker:
    an import writes millions of entries."""
    names = own_columns(entry_type)
    fields = operator.attrgetter(*names)
    # A few categories, actions and scopes recur: each is written once.
    writes = [functools.lru_cache(maxsize=1024)(_TEXT_COLUMNS[n]) if n in _TEXT_COLUMNS else None for n in names]

    def write(entry: Entry) -> list:
        return [value if to_text is None else to_text(value) for value, to_text in zip(fields(entry), writes)]

    return write


def key_fields(entry_type: type, key: dict) -> tuple[str, ...]:
    """The columns that find the entry Store.edit/remove name: its id when
    the key gives one (`{"id": 7}`), else the list's key."""
    return ("id",) if "id" in key else entry_type.KEY


def not_found(entry_type: type, fields: tuple[str, ...], values: list) -> str:
    """EntryNotFound's message: the list and what was looked for."""
    if fields == ("id",):
        return f"{entry_type.LIST} has no entry {values[0]}"
    shown = ", ".join(f"{c}={v!r}" for c, v in zip(fields, values) if v)
    return f"{entry_type.LIST} has no entry for {shown}"


def entries_where(entry_type: type, filters: dict, placeholder: str) -> tuple[str, list]:
    """Store.entries' WHERE clause, in SQL both backends speak, and its
    parameters: a value (str, int) is that column equal to it; a list,
    tuple or set, any of them (IN; an empty one: no entry). Column names
    are checked against the list's; values are only ever parameters."""
    known = columns(entry_type)
    conditions, values = [], []
    for column, value in filters.items():
        if column not in known:
            raise StoreError(f"{entry_type.LIST} has no field {column!r}")
        if not isinstance(value, (list, tuple, set, frozenset)):
            conditions.append(f"{column} = {placeholder}")
            values.append(value)
        else:
            value = list(value)
            conditions.append(f"{column} IN ({', '.join([placeholder] * len(value))})" if value else "1 = 0")
            values += value
    return " AND ".join(conditions) or "1 = 1", values


def ranges_covering_where(e164: str, placeholder: str) -> tuple[str, list]:
    """Store.ranges_covering's WHERE clause and parameters: blocklist
    ranges, stored as '+LOW..+HIGH' (domain.patterns, both ends as long as
    the number), with LOW <= e164 <= HIGH. Of equal length and all digits
    after the '+', the texts compare as the numbers do, so the database
    checks each row itself and only the ranges that hold the number are read."""
    n, p = len(e164), placeholder
    return (f"length(pattern) = {p} AND substr(pattern, {p}, 2) = '..' "
            f"AND substr(pattern, 1, {p}) <= {p} AND substr(pattern, {p}) >= {p}",
            [2 * n + 2, n + 1, n, e164, n + 3, e164])


class FilteredReads:
    """Store.entries and Store.ranges_covering for both SQL backends: the
    WHERE clauses above, in the backend's placeholder, run by its _select."""

    PLACEHOLDER: str  # "?" or "%s"

    def _select(self, entry_type: type, where: str, values: list) -> Iterator[Entry]:
        raise NotImplementedError

    def entries(self, entry_type: type, **filters: str | Collection[str]) -> Iterator[Entry]:
        return self._select(entry_type, *entries_where(entry_type, filters, self.PLACEHOLDER))

    def ranges_covering(self, e164: str) -> Iterator[BlockEntry]:
        return self._select(BlockEntry, *ranges_covering_where(e164, self.PLACEHOLDER))
