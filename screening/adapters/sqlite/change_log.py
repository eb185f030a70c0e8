"""The change log in SQLite: entries in change_log, the rows of imports and
baselines in change_rows (zlib-compressed canonical lines, a chunk per
batch; adapters/change_log_codec.py). Every write goes through append(),
inside the change's own transaction, so a change and its log entry commit
together or not at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from screening.adapters import change_log_codec as codec
from screening.adapters.change_log_codec import now  # noqa: F401 (re-exported)
from screening.domain.changelog import GENESIS, LogEntry, seal
from screening.domain.records import Record
from screening.domain.snapshots import Delta

_COLUMNS = ", ".join(codec.COLUMNS)


class RowsWriter(codec.RowsWriter):
    """The rows of one import or baseline, written a chunk at a time as they come."""

    def __init__(self, conn: sqlite3.Connection, version: int):
        super().__init__(version)
        self._conn = conn

    def _insert(self, chunk: int, rows: int, data: bytes) -> None:
        self._conn.execute("INSERT INTO change_rows (version, chunk, rows, data) VALUES (?, ?, ?, ?)",
                           (self.version, chunk, rows, data))


def next_version(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT version FROM list_version").fetchone()[0] + 1


def append(conn: sqlite3.Connection, entry: LogEntry, key: bytes | None, rows: RowsWriter | None = None) -> LogEntry:
    """Chain the entry after the newest one and store it, and bump the list
    version to the entry's. In the caller's write transaction."""
    if rows is not None:
        entry = codec.with_rows(entry, rows)
    newest = conn.execute("SELECT hash FROM change_log ORDER BY version DESC LIMIT 1").fetchone()
    sealed = seal(entry, newest[0] if newest else GENESIS, key)
    conn.execute(f"INSERT INTO change_log ({_COLUMNS}) VALUES ({', '.join('?' * len(codec.COLUMNS))})",
                 codec.row_of(sealed))
    conn.execute("UPDATE list_version SET version = ?", (sealed.version,))
    return sealed


def entries(conn: sqlite3.Connection, where: str = "1 = 1", values: Iterable = ()) -> Iterator[LogEntry]:
    """Entries in version order. `where` is SQL written in this module's
    callers, never request data; values are parameters."""
    for row in conn.execute(f"SELECT {_COLUMNS} FROM change_log WHERE {where} ORDER BY version", list(values)):
        yield codec.entry_of(row)


def stored_rows(conn: sqlite3.Connection, version: int) -> Iterator[tuple[bytes, int]]:
    """The stored lines of an entry's rows, a chunk at a time, with the rows each holds."""
    for data, count in conn.execute("SELECT data, rows FROM change_rows WHERE version = ? ORDER BY chunk",
                                    (version,)):
        yield codec.lines_of(data), count


def rows_of(conn: sqlite3.Connection, version: int) -> Iterator[Record]:
    for lines, _ in stored_rows(conn, version):
        yield from codec.records_of(lines)


def head(conn: sqlite3.Connection) -> LogEntry | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM change_log ORDER BY version DESC LIMIT 1").fetchone()
    return None if row is None else codec.entry_of(row)


def delta(conn: sqlite3.Connection, since: int, max_rows: int) -> Delta | None:
    """What changed after version `since` (Store.read_changes), in the caller's read transaction."""
    version = conn.execute("SELECT version FROM list_version").fetchone()[0]
    found = list(entries(conn, "version > ?", (since,)))
    return codec.delta(version, found, since, max_rows, lambda v: rows_of(conn, v),
                       lambda numbers: _approvals(conn, numbers))


def _approvals(conn: sqlite3.Connection, numbers: set[str]) -> codec.Approvals:
    return codec.approvals_of(numbers, _approval_rows(conn, sorted(numbers)))


def _approval_rows(conn: sqlite3.Connection, numbers: list[str]) -> Iterator[tuple[str, str, str]]:
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        yield from conn.execute(
            f"SELECT number, inmate_id, name FROM allowlist WHERE number IN ({', '.join('?' * len(chunk))}) "
            "ORDER BY inmate_id, id",
            chunk)
