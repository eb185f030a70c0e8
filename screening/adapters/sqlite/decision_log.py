"""The durable decision log on SQLite.

Every answered ScreenCall is written here before the answer leaves the
server, so a crash loses no answered decision; the behavioural rules' windows
are rebuilt from it at start; a retried call_id finds its first answer here.

SQLite keeps it in a file of its own (next to the lists' database), so a long
bulk import holding the lists' write lock never stalls a call.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from screening.domain.behaviour import Attempt
from screening.domain.model import ScreenRequest, Screening
from screening.service.call_prints import CallPrint, Logged
from screening.service.ports import PRUNE_BATCH, Archive, DecisionLog, DecisionQuery
from screening.adapters import decision_search
from screening.adapters.sqlite.store import create_private_file
from screening.adapters.sqlite import connection
from screening.adapters.sqlite.migrations import bundled_migrations
from screening.adapters.decision_rows import COLUMNS, NAMES, finding_rows, to_archived, to_logged, to_row


class SqliteDecisionLog(DecisionLog):
    def __init__(self, path: str | Path, *, mode: str = "rwc"):
        """mode: "rwc", "rw" or "ro", as SqliteStore's."""
        self.path, self._mode = Path(path), mode
        if mode == "rwc":
            create_private_file(self.path)
        # synchronous=NORMAL in WAL mode: a committed answer survives a crash of
        # the process (the promise made to the phone system); an fsync per call
        # for power loss too would cost more than the screening itself.
        self._conn, self.migrated = connection.open_database(
            self.path, mode, "decision log", bundled_migrations("decisions"), ("PRAGMA synchronous=NORMAL",), 10)
        self._lock = threading.Lock()
        self._key = read_call_key(self._conn)

    def close(self) -> None:
        connection.close(self._conn, self.path, self._mode)

    def find(self, facility_id: str, call_id: str) -> Logged | None:
        return self._stored(facility_id, call_id)

    def _stored(self, facility_id: str, call_id: str) -> Logged | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {COLUMNS} FROM decisions WHERE facility_id = ? AND call_id = ?",
                                     (facility_id, call_id)).fetchone()
        return None if row is None else to_logged(row, self._key)

    def append(self, request: ScreenRequest, screening: Screening, call: CallPrint) -> Logged:
        row = to_row(request, screening, call)
        with self._lock, self._transaction():
            inserted = write_decisions(self._conn, [row])
        if inserted:
            return Logged(screening, call)
        return self._stored(request.facility_id, request.call_id)  # logged first, by another process

    def call_key(self) -> bytes:
        return self._key

    def attempts_since(self, since: float) -> Iterator[Attempt]:
        with self._lock:
            rows = self._conn.execute("SELECT at, inmate_id, number_key FROM decisions WHERE at >= ? ORDER BY at",
                                      (since,)).fetchall()
        return (Attempt(at, inmate, key) for at, inmate, key in rows)

    def prune(self, before: float, archive: Archive | None = None, batch: int = PRUNE_BATCH) -> int:
        deleted = 0
        while True:
            with self._lock:
                rows = self._conn.execute(f"SELECT id, {COLUMNS} FROM decisions WHERE at < ? ORDER BY id LIMIT ?",
                                          (before, batch)).fetchall()
            if not rows:
                if deleted:
                    with self._lock:
                        self._conn.execute(_FORGET_NAMES)
                return deleted
            if archive is not None:
                archive([to_archived(row[1:]) for row in rows])
            with self._lock, self._transaction():
                # The rows just read, and no others: ids in a range, still old;
                # their findings have the same ids and times.
                span = (rows[0][0], rows[-1][0], before)
                self._conn.execute("DELETE FROM decisions WHERE id BETWEEN ? AND ? AND at < ?", span)
                self._conn.execute("DELETE FROM decision_findings WHERE decision_id BETWEEN ? AND ? AND at < ?", span)
            deleted += len(rows)

    def search(self, query: DecisionQuery) -> Iterator[dict[str, Any]]:
        def fetch(sql: str, params: list) -> list[tuple]:
            with self._lock:
                return self._conn.execute(sql, params).fetchall()

        return decision_search.pages(query, "?", fetch, narrow)

    def called_names(self) -> list[str]:
        with self._lock:
            return [name for (name,) in self._conn.execute("SELECT name FROM called_names")]

    def count_before(self, before: float) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM decisions WHERE at < ?", (before,)).fetchone()[0]


    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction (the connection is in autocommit mode); hold the lock."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")


_INSERT = f"INSERT INTO decisions ({COLUMNS}) VALUES ({', '.join('?' * len(NAMES))}) ON CONFLICT (facility_id, call_id) DO NOTHING"
_INSERT_FINDING = "INSERT INTO decision_findings (decision_id, n, reason, entry_id, at) VALUES (?, ?, ?, ?, ?)"
_INSERT_NAME = "INSERT INTO called_names (name) VALUES (?) ON CONFLICT DO NOTHING"
_NAME = NAMES.index("called_party_name")
# After a prune: the names no decision holds any longer go too (retention).
_FORGET_NAMES = ("DELETE FROM called_names WHERE NOT EXISTS (SELECT 1 FROM decisions "
                "WHERE called_party_name = called_names.name AND called_party_name <> '')")


def narrow(condition: str) -> str:
    """SQLite's hint that a condition holds for few rows (see decision_search):
    one in a thousand, where a number pattern's ranges were measured to be
    read by their index rather than by walking the time index (unlikely(),
    1 in 16, is not enough against eight ranges)."""
    return f"likelihood({condition}, 0.001)"


def write_decisions(conn: sqlite3.Connection, rows: list[tuple]) -> int:
    """Insert decision rows (decision_rows.to_row) with their findings' rows
    and called party's names, in the caller's transaction; a call already
    logged is skipped, side rows and all. Returns how many were inserted.
    The benchmark fills its logs with this too."""
    inserted = 0
    for row in rows:
        cursor = conn.execute(_INSERT, row)
        if not cursor.rowcount:
            continue
        inserted += 1
        conn.executemany(_INSERT_FINDING, finding_rows(cursor.lastrowid, row))
        if row[_NAME]:  # "" for a privileged call (decision_rows.to_row)
            conn.execute(_INSERT_NAME, (row[_NAME],))
    return inserted


def read_call_key(conn: sqlite3.Connection) -> bytes:
    """The key migration 0004 made for this log's call prints."""
    return conn.execute("SELECT key FROM call_key").fetchone()[0].encode()
