"""Group commit: one writer thread makes every decision durable before it is
answered, many at a time.

append() queues a decision and blocks. The writer takes everything queued
meanwhile (up to max_batch) and inserts it with one statement, its own
transaction, committed with synchronous_commit on: the cost of the commit's
WAL flush and of the round trip is shared by every call in the batch. A call
that another replica (or an earlier try) answered first gets that answer.

When the database cannot take a batch, the batch goes to the local spool
(spool.py) and is answered from there; so does every decision after it while
the spool holds any, to keep their order. The writer reconnects with backoff
(in a helper thread, so calls keep being spooled meanwhile) and replays the
spool in order, a batch at a time, with the same insert. Past the spool's
bound, calls are refused (LogUnavailable) rather than answered unrecorded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from screening.adapters.decision_rows import to_logged
from screening.adapters.postgres.connection import database_error, message
from screening.adapters.postgres.decision_sql import Key, insert, key
from screening.adapters.postgres.spool import Spool
from screening.domain.model import Screening
from screening.service.call_prints import CallPrint, Logged, differing
from screening.service.ports import LogHealth, LogUnavailable, StoreError

log = logging.getLogger(__name__)

BACKOFF_FIRST, BACKOFF_MAX = 0.1, 5.0  # seconds between tries to reach the database again
PROBE_INTERVAL = 5.0  # seconds without a write before the writer checks the database is still there
# Errors that mean the database cannot take writes now (gone, restarting, a
# timeout, a standby after a failover), not that the statement is wrong.
_AWAY = (psycopg.OperationalError, psycopg.InterfaceError, psycopg.errors.ReadOnlySqlTransaction)


@dataclass(frozen=True)
class SpoolBound:
    decisions: int
    age_seconds: float


class _Pending:
    """One append waiting for its batch."""

    __slots__ = ("key", "row", "screening", "call", "answer", "error", "done")

    def __init__(self, row: tuple, screening: Screening, call: CallPrint):
        self.key, self.row, self.screening, self.call = key(row), row, screening, call
        self.answer: Logged | None = None  # its own, or the answer logged first (with that call's print)
        self.error: Exception | None = None
        self.done = threading.Event()

    def result(self) -> Logged:
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.answer


class GroupCommit:
    def __init__(self, connect: Callable[[], psycopg.Connection], spool: Spool, replica: str, bound: SpoolBound,
                 max_batch: int, where: str, call_key: bytes):
        """connect: a new autocommit writer connection (StoreError when the
        database cannot be reached); where: the database, for messages;
        call_key: the log's key for call prints (to_logged)."""
        self._connect, self._spool, self._replica, self._key = connect, spool, replica, call_key
        self._bound, self._max_batch, self._where = bound, max_batch, where
        self._cond = threading.Condition()
        self._queue: deque[_Pending] = deque()
        self._waiting: dict[Key, _Pending] = {}  # queued or being written: a retry waits for it
        self._closing = self._closed = False
        self._stopped: str | None = None  # why the writer died, if it did
        self._conn: psycopg.Connection | None = connect()
        self._connecting = False
        self._outcome: psycopg.Connection | StoreError | None = None  # of a reconnect, for the writer to take
        self._backoff, self._retry_at, self._last_write = BACKOFF_FIRST, 0.0, time.monotonic()
        self.commits = 0  # statements that committed decisions, each one transaction
        self.replay_conflicts = 0  # spooled decisions another replica had answered first
        self.reachable, self.last_reachable = True, time.time()
        self._thread = threading.Thread(target=self._run, name="decision-log-writer", daemon=True)

    def start(self) -> None:
        """Replay what an earlier run left in the spool, then take calls."""
        self._drain_spool()
        self._thread.start()

    def close(self) -> None:
        """Write (or spool) what is queued, try once more to empty the spool, stop."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join()
        self._drop_connection()
        with self._cond:
            self._closed = True
            if isinstance(self._outcome, psycopg.Connection):
                self._outcome.close()

    # Called from any thread.

    def append(self, row: tuple, screening: Screening, call: CallPrint) -> Logged:
        item = _Pending(row, screening, call)
        with self._cond:
            if self._closing or self._stopped:
                raise LogUnavailable(self._stopped or "the decision log is closed")
            first = self._waiting.get(item.key)
            if first is None:
                spooled = self._spool.get(item.key)
                if spooled is not None:
                    return to_logged(spooled, self._key)
                if refusal := self._refusal():
                    raise LogUnavailable(refusal)
                self._waiting[item.key] = item
                self._queue.append(item)
                self._cond.notify()
        # A retry of a call still being written gets that call's answer (and
        # print: the screener compares), never its own.
        return (first or item).result()

    def find(self, call: Key) -> Logged | None:
        """The answer to a call still queued (once written) or spooled; None
        when it is neither (it is in the database, or was never answered)."""
        with self._cond:
            item = self._waiting.get(call)
        if item is None:
            spooled = self._spool.get(call)
            return None if spooled is None else to_logged(spooled, self._key)
        item.done.wait()
        if item.error is not None:
            return None
        # As the log keeps it (a privileged call's answer without its number).
        return to_logged(item.row, self._key) if item.answer.screening is item.screening else item.answer

    def health(self) -> LogHealth:
        with self._cond:
            failing = self._stopped is not None or self._refusal() is not None
        return LogHealth(reachable=self.reachable, last_reachable=self.last_reachable, spooled=self._spool.count,
                         spool_bytes=self._spool.size, spool_oldest=self._spool.oldest, failing_closed=failing)

    def _refusal(self) -> str | None:
        """Why a new decision cannot be kept: the spool is past its bound."""
        count, oldest = self._spool.count, self._spool.oldest
        if count >= self._bound.decisions:
            return (f"the database at {self._where} is away and the local spool {self._spool.path} holds {count} "
                    f"decisions, its bound (spool_max_decisions={self._bound.decisions}): calls are refused "
                    "until the database takes them")
        if oldest is not None and time.time() - oldest > self._bound.age_seconds:
            return (f"the database at {self._where} is away and the oldest decision in the local spool "
                    f"{self._spool.path} is {time.time() - oldest:.0f} s old, past its bound "
                    f"(spool_max_age_seconds={self._bound.age_seconds:g}): calls are refused until the database "
                    "takes them")
        return None

    # The writer thread.

    def _run(self) -> None:
        try:
            while (batch := self._take()) is not None:
                if batch:
                    self._write(batch)
                self._catch_up()
            self._drain_spool()
        except BaseException as error:
            log.exception("the decision log's writer stopped")
            self._stop(f"the decision log's writer stopped ({type(error).__name__}: {error}); restart the server")
            raise

    def _take(self) -> list[_Pending] | None:
        """The next batch; [] when there is something else to do; None to stop."""
        with self._cond:
            while not self._queue and not self._closing:
                due = self._due_in()
                if due is not None and due <= 0:
                    return []
                self._cond.wait(due)
            if not self._queue:
                return None
            return [self._queue.popleft() for _ in range(min(len(self._queue), self._max_batch))]

    def _due_in(self) -> float | None:
        """Seconds until the writer has work besides the queue; None: none until woken."""
        if self._outcome is not None:
            return 0
        if self._connecting:
            return None
        if self._conn is None or self._spool.count:
            return self._retry_at - time.monotonic()
        return self._last_write + PROBE_INTERVAL - time.monotonic()

    def _write(self, batch: list[_Pending]) -> None:
        if self._conn is None or self._spool.count:
            self._to_spool(batch)
            return
        try:
            inserted, stored = insert(self._conn, [item.row for item in batch], self._replica)
        except psycopg.Error as error:
            if not self._away(error):
                self._settle(batch, error=database_error("logging decisions", error))
                return
            self._to_spool(batch)
            return
        self._wrote()
        for item in batch:
            if item.key in inserted:
                item.answer = Logged(item.screening, item.call)
            elif item.key in stored:
                item.answer = to_logged(stored[item.key], self._key)
            else:  # pruned between the insert and the read: the call is too old to matter
                item.error = StoreError(f"call {item.key[1]} was answered before but its answer is gone")
        self._settle(batch)

    def _to_spool(self, batch: list[_Pending]) -> None:
        with self._cond:
            refusal = self._refusal()
            room = 0 if refusal else self._bound.decisions - self._spool.count
        kept, refused = batch[:room], batch[room:]
        if kept:
            try:
                self._spool.append([item.row for item in kept], time.time())
            except OSError as error:
                self._settle(kept, error=LogUnavailable(
                    f"the database at {self._where} is away and the local spool {self._spool.path} cannot be "
                    f"written ({error.strerror}): calls are refused"))
            else:
                for item in kept:
                    item.answer = Logged(item.screening, item.call)
                self._settle(kept)
        if refused:
            with self._cond:
                refusal = self._refusal() or "the local decision spool is full"
            self._settle(refused, error=LogUnavailable(refusal))

    def _settle(self, batch: list[_Pending], error: Exception | None = None) -> None:
        with self._cond:
            for item in batch:
                self._waiting.pop(item.key, None)
        for item in batch:
            if error is not None:
                item.error = error
            item.done.set()

    def _catch_up(self) -> None:
        """Take a finished reconnect, reconnect, replay some of the spool, or probe, when due."""
        if self._outcome is not None:
            self._take_connection()
        now = time.monotonic()
        if self._conn is None:
            if not self._connecting and now >= self._retry_at:
                self._start_connecting()
        elif self._spool.count:
            if now >= self._retry_at:
                self._replay_some()
        elif now - self._last_write >= PROBE_INTERVAL:
            self._probe()

    def _drain_spool(self) -> None:
        while self._conn is not None and self._spool.count and self._replay_some():
            pass

    def _replay_some(self) -> bool:
        rows = self._spool.peek(self._max_batch)
        try:
            inserted, stored = insert(self._conn, rows, self._replica)
        except psycopg.Error as error:
            if not self._away(error):
                # The first line only: the server's DETAIL may quote a row (a number).
                log.error("decision log: cannot replay the spool %s into %s (%s); retrying",
                          self._spool.path, self._where, message(error))
                self._failed_try()
            return False
        self._wrote()
        for row in rows:
            # Equal: this replica's own earlier try got there (a replay cut short, a commit whose reply was lost).
            if key(row) not in inserted and stored.get(key(row)) != row:
                self._replay_conflict(row, stored.get(key(row)))
        self._spool.committed(len(rows))
        if not self._spool.count:
            log.info("decision log: the spool is replayed into %s; writing there again", self._where)
        return True

    def _replay_conflict(self, row: tuple, first: tuple | None) -> None:
        """A spooled answer the log had answered first. While the database
        was away its call could not be compared with that first one: when
        they were not the same call, say which fields differ (never their
        values), as a refused call_id conflict is logged."""
        self.replay_conflicts += 1
        fields = differing(to_logged(first, self._key).call, to_logged(row, self._key).call) if first else ()
        extra = {"call_id": row[1], "facility_id": row[0]}
        if fields:
            extra |= {"event": "call_id_conflict", "fields": list(fields)}
        log.warning("decision log: call %s of %s, answered from the spool, had been answered first "
                    "(by another replica, or before the database went away)%s; the log keeps that first answer",
                    row[1], row[0], f" for another call (not the same {', '.join(fields)})" if fields else "", extra=extra)

    def _probe(self) -> None:
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error as error:
            self._away(error)
            return
        self._reached()

    def _away(self, error: psycopg.Error) -> bool:
        """Whether the error means the database cannot take writes now (then
        decisions are spooled and it is tried again after a backoff); a
        connection it broke is dropped, to be made anew."""
        if not isinstance(error, _AWAY) and not self._conn.broken:
            return False
        if self.reachable:
            log.warning("decision log: the database at %s does not take writes (%s); decisions go to the spool %s "
                        "until it does", self._where, database_error("writing decisions", error), self._spool.path)
        self.reachable = False
        if self._conn.broken or self._conn.closed:
            self._drop_connection()
        self._failed_try()
        return True

    def _wrote(self) -> None:
        self.commits += 1
        self._reached()

    def _reached(self) -> None:
        self.reachable, self.last_reachable = True, time.time()
        self._backoff, self._retry_at, self._last_write = BACKOFF_FIRST, 0.0, time.monotonic()

    def _failed_try(self) -> None:
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, BACKOFF_MAX)

    def _drop_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _start_connecting(self) -> None:
        """Connect in a helper thread: a server that does not answer must not hold up the calls being spooled."""
        self._connecting = True

        def attempt() -> None:
            try:
                outcome = self._connect()
            except StoreError as error:
                outcome = error
            with self._cond:
                if self._closed and isinstance(outcome, psycopg.Connection):
                    outcome.close()
                self._outcome, self._connecting = outcome, False
                self._cond.notify()

        threading.Thread(target=attempt, name="decision-log-reconnect", daemon=True).start()

    def _take_connection(self) -> None:
        with self._cond:
            outcome, self._outcome = self._outcome, None
        if isinstance(outcome, StoreError):
            log.debug("decision log: %s", outcome)
            self._failed_try()
            return
        self._conn = outcome
        self._reached()
        log.info("decision log: the database at %s is back; replaying %d spooled decisions",
                 self._where, self._spool.count)

    def _stop(self, why: str) -> None:
        with self._cond:
            self._stopped = why
            pending = list(self._waiting.values())
            self._queue.clear()
        self._settle(pending, error=LogUnavailable(why))
