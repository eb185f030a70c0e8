"""The durable decision log on SQLite.

Every answered ScreenCall is written here before the answer leaves the
server, so a crash loses no answered decision; the behavioural rules' windows
are rebuilt from it at start; a retried call_id finds its first answer here.

SQLite keeps it in a file of its own (next to the lists' database), so a long
bulk import holding the lists' write lock never stalls a call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from screening.domain.behaviour import Attempt
from screening.domain.model import ScreenRequest, Screening
from screening.service.ports import PRUNE_BATCH, Archive, DecisionLog, DecisionQuery
from screening.adapters import decision_search
from screening.adapters.sqlite.store import create_private_file
from screening.adapters.sqlite import connection
from screening.adapters.sqlite.migrations import bundled_migrations
from screening.adapters.decision_rows import COLUMNS, to_archived, to_row, to_screening


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

    def close(self) -> None:
        connection.close(self._conn, self.path, self._mode)

    def find(self, facility_id: str, call_id: str) -> Screening | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {COLUMNS} FROM decisions WHERE facility_id = ? AND call_id = ?",
                                     (facility_id, call_id)).fetchone()
        return None if row is None else to_screening(row)

    def append(self, request: ScreenRequest, screening: Screening) -> Screening:
        row = to_row(request, screening)
        with self._lock:
            inserted = self._conn.execute(
                f"INSERT INTO decisions ({COLUMNS}) VALUES ({', '.join('?' * len(row))}) "
                "ON CONFLICT (facility_id, call_id) DO NOTHING", row).rowcount
        if inserted:
            return screening
        return self.find(request.facility_id, request.call_id)

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
                return deleted
            if archive is not None:
                archive([to_archived(row[1:]) for row in rows])
            with self._lock:
                # The rows just read, and no others: ids in a range, still old.
                self._conn.execute("DELETE FROM decisions WHERE id BETWEEN ? AND ? AND at < ?",
                                   (rows[0][0], rows[-1][0], before))
            deleted += len(rows)

    def search(self, query: DecisionQuery) -> Iterator[dict[str, Any]]:
        def fetch(sql: str, params: list) -> list[tuple]:
            with self._lock:
                return self._conn.execute(sql, params).fetchall()

        return decision_search.pages(query, "?", _finding_has, fetch)

    def count_before(self, before: float) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM decisions WHERE at < ?", (before,)).fetchone()[0]


def _finding_has(field: int, count: int) -> str:
    # field and count are ints of this module's own, not request data.
    marks = ", ".join("?" * int(count))
    return f"EXISTS (SELECT 1 FROM json_each(findings) WHERE json_extract(value, '$[{int(field)}]') IN ({marks}))"
