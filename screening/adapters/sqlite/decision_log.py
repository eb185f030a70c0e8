"""The durable decision log on SQLite.

Every answered ScreenCall is written here before the answer leaves the
server, so a crash loses no answered decision; the behavioural rules' windows
are rebuilt from it at start; a retried call_id finds its first answer here.

SQLite keeps it in a file of its own (next to the lists' database), so a long
bulk import holding the lists' write lock never stalls a call.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from screening.domain.behaviour import Attempt
from screening.domain.model import Decision, Finding, NumberType, Reason, ScreenRequest, Screening
from screening.service.ports import PRUNE_BATCH, Archive, DecisionLog
from screening.adapters.sqlite.store import create_private_file
from screening.adapters.sqlite import connection
from screening.adapters.sqlite.migrations import bundled_migrations

_PRIVILEGED_DETAIL = "privileged call: the number is not kept"
_COLUMNS = ("facility_id, call_id, inmate_id, station_id, dialed_number, called_party_name, normalized_number, "
            "number_key, number_type, number_region, at, requested_at, decision, record, max_duration_seconds, "
            "list_version, findings")


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
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM decisions WHERE facility_id = ? AND call_id = ?",
                                     (facility_id, call_id)).fetchone()
        return None if row is None else _screening(row)

    def append(self, request: ScreenRequest, screening: Screening) -> Screening:
        row = _row(request, screening)
        with self._lock:
            inserted = self._conn.execute(
                f"INSERT INTO decisions ({_COLUMNS}) VALUES ({', '.join('?' * len(row))}) "
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
                rows = self._conn.execute(f"SELECT id, {_COLUMNS} FROM decisions WHERE at < ? ORDER BY id LIMIT ?",
                                          (before, batch)).fetchall()
            if not rows:
                return deleted
            if archive is not None:
                archive([_archived(row[1:]) for row in rows])
            with self._lock:
                # The rows just read, and no others: ids in a range, still old.
                self._conn.execute("DELETE FROM decisions WHERE id BETWEEN ? AND ? AND at < ?",
                                   (rows[0][0], rows[-1][0], before))
            deleted += len(rows)

    def count_before(self, before: float) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM decisions WHERE at < ?", (before,)).fetchone()[0]


def _row(request: ScreenRequest, screening: Screening) -> tuple:
    privileged = not screening.record
    findings = [[f.reason.name, f.effect.name, _PRIVILEGED_DETAIL if privileged else f.detail, f.entry_id, f.score]
                for f in screening.findings]
    number = "" if privileged else screening.normalized_number
    return (
        request.facility_id, request.call_id, request.inmate_id, request.station_id,
        "" if privileged else request.dialed_number, request.called_party_name, number,
        int(number[1:]) if number else 0, screening.number_type.name, screening.number_region, screening.at,
        request.requested_at.isoformat() if request.requested_at else "", screening.decision.name,
        int(screening.record), screening.max_duration_seconds, screening.list_version,
        json.dumps(findings, ensure_ascii=False),
    )


def _archived(row: tuple) -> dict[str, Any]:
    decision = dict(zip(_COLUMNS.split(", "), row, strict=True))
    decision["findings"] = [dict(zip(("reason", "effect", "detail", "entry_id", "score"), finding, strict=True))
                            for finding in json.loads(decision["findings"])]
    decision["record"] = bool(decision["record"])
    return decision


def _screening(row: tuple) -> Screening:
    (_, call_id, _, _, _, _, number, _, number_type, region, at, _, decision, record, duration, version,
     findings) = row
    return Screening(
        call_id=call_id,
        decision=Decision[decision],
        findings=tuple(Finding(Reason[r], detail, Decision[e], entry_id, score)
                       for r, e, detail, entry_id, score in json.loads(findings)),
        normalized_number=number,
        number_type=NumberType[number_type],
        number_region=region,
        record=bool(record),
        max_duration_seconds=duration,
        list_version=version,
        at=at,
    )
