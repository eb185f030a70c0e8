"""The change log in PostgreSQL: the same entries and chunks as SQLite's
(adapters/change_log_codec.py), so a chain verifies the same on either.

Writers serialize on the chain head: every change first locks the one row
of list_version (lock_head), then chains its entry after the newest one and
bumps the version in the same transaction, and tells the listening replicas
at commit (NOTIFY)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import psycopg
from psycopg import sql

from screening.adapters import change_log_codec as codec
from screening.domain.changelog import GENESIS, LogEntry, seal
from screening.domain.records import Record
from screening.domain.snapshots import Delta

# The channel every store NOTIFYs on; the payload is "VERSION SCHEMA", as
# replicas of several schemas (the tests') may share a database.
CHANNEL = "screening_lists"
_COLUMNS = sql.SQL(", ").join(map(sql.Identifier, codec.COLUMNS))
# select(query, params): the rows of a query, from a cursor the caller chose
# (a server-side one where there may be millions).
Select = Callable[[sql.Composable, Sequence], Iterable[tuple]]


class RowsWriter(codec.RowsWriter):
    def __init__(self, conn: psycopg.Connection, version: int):
        super().__init__(version)
        self._conn = conn

    def _insert(self, chunk: int, rows: int, data: bytes) -> None:
        self._conn.execute("INSERT INTO change_rows (version, chunk, rows, data) VALUES (%s, %s, %s, %s)",
                           (self.version, chunk, rows, data))


def lock_head(conn: psycopg.Connection) -> int:
    """Lock the list version until the caller's transaction ends; returns it.
    A writer on any machine waits here for the one before it to commit, so
    the chain has one head."""
    return conn.execute("SELECT version FROM list_version FOR UPDATE").fetchone()[0]


def append(conn: psycopg.Connection, entry: LogEntry, key: bytes | None, rows: RowsWriter | None = None) -> LogEntry:
    """Chain the entry after the newest one, store it and bump the list
    version to the entry's, in the caller's transaction (which holds lock_head)."""
    if rows is not None:
        entry = codec.with_rows(entry, rows)
    newest = conn.execute("SELECT hash FROM change_log ORDER BY version DESC LIMIT 1").fetchone()
    sealed = seal(entry, newest[0] if newest else GENESIS, key)
    conn.execute(sql.SQL("INSERT INTO change_log ({}) VALUES ({})").format(
        _COLUMNS, sql.SQL(", ").join(sql.Placeholder() * len(codec.COLUMNS))), codec.row_of(sealed))
    conn.execute("UPDATE list_version SET version = %s", (sealed.version,))
    # Delivered at commit, not at all on a rollback.
    conn.execute("SELECT pg_notify(%s, %s || ' ' || current_schema())", (CHANNEL, str(sealed.version)))
    return sealed


def entries(select: Select, where: sql.Composable = sql.SQL("TRUE"), values: Sequence = ()) -> Iterator[LogEntry]:
    """Entries in version order. `where` is SQL composed in this package,
    never request data; values are parameters."""
    query = sql.SQL("SELECT {} FROM change_log WHERE {} ORDER BY version").format(_COLUMNS, where)
    for row in select(query, values):
        yield codec.entry_of(row)


def head(conn: psycopg.Connection) -> LogEntry | None:
    row = conn.execute(sql.SQL("SELECT {} FROM change_log ORDER BY version DESC LIMIT 1").format(_COLUMNS)).fetchone()
    return None if row is None else codec.entry_of(row)


def stored_rows(select: Select, version: int) -> Iterator[tuple[bytes, int]]:
    """The stored lines of an entry's rows, a chunk at a time, with the rows each holds."""
    for data, count in select(sql.SQL("SELECT data, rows FROM change_rows WHERE version = %s ORDER BY chunk"),
                              (version,)):
        yield codec.lines_of(data), count


def rows_of(select: Select, version: int) -> Iterator[Record]:
    for lines, _ in stored_rows(select, version):
        yield from codec.records_of(lines)


def delta(conn: psycopg.Connection, since: int, max_rows: int) -> Delta | None:
    """What changed after version `since` (Store.read_changes), in the
    caller's read transaction: one snapshot for the version and the log."""
    version = conn.execute("SELECT version FROM list_version").fetchone()[0]
    found = list(entries(conn.execute, sql.SQL("version > %s"), (since,)))
    return codec.delta(version, found, since, max_rows, lambda v: rows_of(conn.execute, v),
                       lambda numbers: _approvals(conn, numbers))


def _approvals(conn: psycopg.Connection, numbers: set[str]) -> codec.Approvals:
    if not numbers:
        return {}
    rows = conn.execute("SELECT number, inmate_id, name FROM allowlist WHERE number = ANY(%s) "
                        "ORDER BY inmate_id, id", (sorted(numbers),))
    return codec.approvals_of(numbers, rows)
