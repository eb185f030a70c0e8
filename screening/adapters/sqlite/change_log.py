"""The change log in SQLite: entries in change_log, the rows of imports and
baselines in change_rows (zlib-compressed canonical lines, a chunk per
batch). Every write goes through append(), inside the change's own
transaction, so a change and its log entry commit together or not at all."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

from screening.domain.changelog import GENESIS, LogEntry, RowsDigest, seal
from screening.domain.records import Record
from screening.domain.snapshots import Delta, ListChange, snapshot_row

_COLUMNS = ("version, at, actor, reason, action, list, entry_id, before, after, details, rows, rows_sha256, "
            "prev_hash, hash, mac")


class RowsWriter:
    """The rows of one import or baseline, written a chunk at a time as they come."""

    def __init__(self, conn: sqlite3.Connection, version: int):
        self._conn, self._version, self._chunk = conn, version, 0
        self.digest = RowsDigest()

    def write(self, records: Iterable[Record]) -> None:
        before = self.digest.count
        data = b"".join(self.digest.line(record) for record in records)
        if self.digest.count > before:
            self._conn.execute("INSERT INTO change_rows (version, chunk, rows, data) VALUES (?, ?, ?, ?)",
                               (self._version, self._chunk, self.digest.count - before, zlib.compress(data)))
            self._chunk += 1


def next_version(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT version FROM list_version").fetchone()[0] + 1


def append(conn: sqlite3.Connection, entry: LogEntry, key: bytes | None, rows: RowsWriter | None = None) -> LogEntry:
    """Chain the entry after the newest one and store it, and bump the list
    version to the entry's. In the caller's write transaction."""
    if rows is not None:
        entry = _with_rows(entry, rows)
    newest = conn.execute("SELECT hash FROM change_log ORDER BY version DESC LIMIT 1").fetchone()
    sealed = seal(entry, newest[0] if newest else GENESIS, key)
    conn.execute(f"INSERT INTO change_log ({_COLUMNS}) VALUES ({', '.join('?' * 15)})", _row(sealed))
    conn.execute("UPDATE list_version SET version = ?", (sealed.version,))
    return sealed


def _with_rows(entry: LogEntry, rows: RowsWriter) -> LogEntry:
    return replace(entry, rows=rows.digest.count, rows_sha256=rows.digest.hexdigest())


def now() -> str:
    return datetime.now(UTC).isoformat()


def entries(conn: sqlite3.Connection, where: str = "1 = 1", values: Iterable = ()) -> Iterator[LogEntry]:
    """Entries in version order. `where` is SQL written in this module's
    callers, never request data; values are parameters."""
    for row in conn.execute(f"SELECT {_COLUMNS} FROM change_log WHERE {where} ORDER BY version", list(values)):
        yield _entry(row)


def stored_rows(conn: sqlite3.Connection, version: int) -> Iterator[tuple[bytes, int]]:
    """The stored lines of an entry's rows, a chunk at a time, with the rows each holds."""
    for data, count in conn.execute("SELECT data, rows FROM change_rows WHERE version = ? ORDER BY chunk",
                                    (version,)):
        yield zlib.decompress(data), count


def rows_of(conn: sqlite3.Connection, version: int) -> Iterator[Record]:
    for lines, _ in stored_rows(conn, version):
        for line in lines.splitlines():
            yield json.loads(line)


def head(conn: sqlite3.Connection) -> LogEntry | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM change_log ORDER BY version DESC LIMIT 1").fetchone()
    return None if row is None else _entry(row)


def record_of_row(list_name: str, row: dict) -> Record:
    """A table's row as the entry's record."""
    if "aliases" in row:
        row = {**row, "aliases": json.loads(row["aliases"])}
    return row


def delta(conn: sqlite3.Connection, since: int, max_rows: int) -> Delta | None:
    """What changed after version `since` (Store.read_changes), in the caller's read transaction."""
    version = conn.execute("SELECT version FROM list_version").fetchone()[0]
    found = list(entries(conn, "version > ?", (since,)))
    explained = [entry.version for entry in found] == list(range(since + 1, version + 1))
    if not explained or sum(max(entry.rows, 1) for entry in found) > max_rows or any(
            entry.action == "baseline" for entry in found):
        return None  # the lists changed in a way only a whole load shows, or a large way
    changes = tuple(_changes(conn, found))
    numbers = {row[3] for c in changes if c.list == "allowlist" for row in (c.before, c.after) if row}
    return Delta(version, changes, _approvals(conn, numbers))


def _changes(conn: sqlite3.Connection, entries: list[LogEntry]) -> Iterator[ListChange]:
    for entry in entries:
        if entry.action == "import":
            for record in rows_of(conn, entry.version):
                yield ListChange(entry.list, record["id"], None, snapshot_row(entry.list, record))
        elif not entry.details.get("legacy"):
            yield ListChange(entry.list, entry.entry_id,
                             snapshot_row(entry.list, entry.before) if entry.before else None,
                             snapshot_row(entry.list, entry.after) if entry.after else None)


def _approvals(conn: sqlite3.Connection, numbers: set[str]) -> dict[str, tuple[tuple[str, str], ...]]:
    found: dict[str, list[tuple[str, str]]] = {number: [] for number in numbers}
    numbers = sorted(numbers)
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        for number, inmate, name in conn.execute(
                f"SELECT number, inmate_id, name FROM allowlist WHERE number IN ({', '.join('?' * len(chunk))}) "
                "ORDER BY inmate_id, id",
                chunk):
            found[number].append((inmate, name))
    return {number: tuple(approvals) for number, approvals in found.items()}


def _row(entry: LogEntry) -> tuple:
    return (entry.version, entry.at, entry.actor, entry.reason, entry.action, entry.list, entry.entry_id,
            _json(entry.before), _json(entry.after), json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
            entry.rows, entry.rows_sha256, entry.prev_hash, entry.hash, entry.mac)


def _json(record: Record | None) -> str:
    return "" if record is None else json.dumps(record, ensure_ascii=False, sort_keys=True)


def _entry(row: tuple) -> LogEntry:
    (version, at, actor, reason, action, list_name, entry_id, before, after, details, rows, rows_sha256, prev_hash,
     entry_hash, mac) = row
    return LogEntry(version, at, actor, reason, action, list_name, entry_id,
                    json.loads(before) if before else None, json.loads(after) if after else None,
                    json.loads(details), rows, rows_sha256, prev_hash, entry_hash, mac)
