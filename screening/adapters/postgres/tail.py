"""Every replica's attempts for a screener's windows, then the other
replicas' new ones as they come, each exactly once.

Identity ids are handed out at insert but become visible at commit, and
transactions commit out of order: tailing by `id > last seen` would skip a
row whose transaction committed after one holding a higher id. So the tail
reads by logged_at (the insert's clock_timestamp, on the database's clock)
from OVERLAP before the previous read, and drops the ids it has returned
already. That misses nothing as long as a row's transaction commits within
OVERLAP of its insert: the writer's one-statement transactions take
milliseconds, and its statement_timeout (WRITE_TIMEOUT) is well below
OVERLAP. Ids seen before the window are forgotten: the window never reaches
back to them again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import psycopg

from screening.domain.behaviour import Attempt

OVERLAP = timedelta(seconds=5)
WRITE_TIMEOUT = "2s"  # the writer's statement_timeout: an insert slower than that is spooled instead
_ITERSIZE = 10_000  # attempts fetched from the server-side cursor at a time


class Tail:
    def __init__(self, replica: str, overlap: timedelta = OVERLAP):
        self._replica, self._overlap = replica, overlap
        self._lock = threading.Lock()
        self._watermark: datetime | None = None  # the database's now() before the last read
        self._seen: dict[int, datetime] = {}  # id -> logged_at of the others' rows read within the overlap

    def attempts_since(self, conn: psycopg.Connection, since: float) -> Iterator[Attempt]:
        """Every replica's attempts from `since` on, oldest first; read to
        the end, it starts the tail where it stops."""
        seen = {}
        with conn.transaction():
            now = conn.execute("SELECT now()").fetchone()[0]
            cursor = conn.cursor(name="attempts")
            cursor.itersize = _ITERSIZE
            # The id, only of the rows a first poll would read again and must drop.
            cursor.execute("SELECT at, inmate_id, number_key, CASE WHEN logged_at > %s AND replica <> %s THEN id END, "
                           "logged_at FROM decisions WHERE at >= %s ORDER BY at",
                           (now - self._overlap, self._replica, since))
            for at, inmate, key, row_id, logged_at in cursor:
                if row_id is not None:
                    seen[row_id] = logged_at
                yield Attempt(at, inmate, key)
        with self._lock:
            self._watermark, self._seen = now, seen

    def poll(self, conn: psycopg.Connection) -> list[Attempt]:
        """The attempts other replicas logged since the last poll (or since
        attempts_since read to its end; the first time otherwise: from now
        on), oldest first."""
        with self._lock:
            now = conn.execute("SELECT now()").fetchone()[0]
            if self._watermark is None:
                # From now on: what is in the window already counts as seen.
                self._seen = dict(conn.execute("SELECT id, logged_at FROM decisions WHERE logged_at > %s AND "
                                               "replica <> %s", (now - self._overlap, self._replica)).fetchall())
                self._watermark = now
                return []
            rows = conn.execute(
                "SELECT id, logged_at, at, inmate_id, number_key FROM decisions "
                "WHERE logged_at > %s AND replica <> %s AND id <> ALL(%s::bigint[]) ORDER BY at",
                (self._watermark - self._overlap, self._replica, list(self._seen))).fetchall()
            self._seen.update((row_id, logged_at) for row_id, logged_at, *_ in rows)
            self._watermark = now
            floor = now - self._overlap  # the next poll's: nothing before it is read again
            self._seen = {row_id: logged_at for row_id, logged_at in self._seen.items() if logged_at > floor}
            return [Attempt(at, inmate, key) for _, _, at, inmate, key in rows]
