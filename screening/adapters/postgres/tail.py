"""Every replica's attempts for a screener's windows, then the other
replicas' new ones as they come, each exactly once.

Identity ids are handed out at insert but become visible at commit, and
transactions commit out of order: tailing by `id > last seen` would skip a
row whose transaction committed after one holding a higher id, and tailing
by the time of the insert has the same gap unless it reads back an overlap
(every poll re-reading, at a thousand calls a second, thousands of rows).
So each read keeps its own snapshot (pg_current_snapshot), and the next
reads exactly the rows whose transaction (logged_xid) that snapshot did not
see: none twice, none missed, and indexed from the snapshot's xmin, the
oldest transaction still running then; with nothing new, an empty index
range. A long transaction elsewhere (a bulk import) holds xmin back and
widens the range read for as long as it runs, never the result.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg

from screening.domain.behaviour import Attempt

_ITERSIZE = 10_000  # attempts fetched from the server-side cursor at a time
# One statement, so the snapshot kept is the one the rows were read with; the
# LEFT JOIN gives it a row even when nothing is new.
_POLL = ("WITH now AS (SELECT pg_current_snapshot()::text AS snapshot) "
         "SELECT now.snapshot, d.at, d.inmate_id, d.number_key FROM now LEFT JOIN decisions d "
         "ON d.logged_xid >= pg_snapshot_xmin(%(seen)s::pg_snapshot) "
         "AND NOT pg_visible_in_snapshot(d.logged_xid, %(seen)s::pg_snapshot) AND d.replica <> %(replica)s "
         "ORDER BY d.at")


class Tail:
    def __init__(self, replica: str):
        self._replica = replica
        self._lock = threading.Lock()
        self._seen: str | None = None  # the snapshot of the last read, as text

    def attempts_since(self, conn: psycopg.Connection, since: float) -> Iterator[Attempt]:
        """Every replica's attempts from `since` on, oldest first; read to
        the end, it starts the tail where it stops."""
        with conn.transaction():
            # One snapshot for both statements: the one the tail goes on from.
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            snapshot = conn.execute("SELECT pg_current_snapshot()::text").fetchone()[0]
            cursor = conn.cursor(name="attempts")
            cursor.itersize = _ITERSIZE
            cursor.execute("SELECT at, inmate_id, number_key FROM decisions WHERE at >= %s ORDER BY at", (since,))
            for at, inmate, key in cursor:
                yield Attempt(at, inmate, key)
        with self._lock:
            self._seen = snapshot

    def poll(self, conn: psycopg.Connection) -> list[Attempt]:
        """The attempts other replicas logged since the last poll (or since
        attempts_since read to its end; the first time otherwise: from now
        on), oldest first."""
        with self._lock:
            if self._seen is None:
                self._seen = conn.execute("SELECT pg_current_snapshot()::text").fetchone()[0]
                return []
            rows = conn.execute(_POLL, {"seen": self._seen, "replica": self._replica}).fetchall()
            self._seen = rows[0][0]
            return [Attempt(at, inmate, key) for _, at, inmate, key in rows if at is not None]
