"""The durable decision log on PostgreSQL, shared by every replica.

The same promise as SQLite's (adapters/sqlite/decision_log.py): an answer is
durable before it leaves the server, a retried call_id gets its first
answer, whichever replica gave it. Writes go through one writer thread that
commits concurrent calls together (group_commit.py) and, while the database
is away, into a local spool it replays later (spool.py); reads go through a
pool. attempts_by_others tails what the other replicas logged (tail.py).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg_pool import PoolTimeout

from screening.adapters.decision_rows import COLUMNS, to_archived, to_logged, to_row
from screening.adapters.postgres.connection import connect, database_error, pool, shown
from screening.adapters.postgres.decision_sql import CALL_KEY, FIND, FORGET_NAMES, as_row
from screening.adapters.postgres.group_commit import GroupCommit, SpoolBound
from screening.adapters.postgres.migrations import check_current, migrate
from screening.adapters.postgres.spool import Spool
from screening.adapters.postgres.tail import Tail
from screening.domain.behaviour import Attempt
from screening.domain.model import ScreenRequest, Screening
from screening.service.call_prints import CallPrint, Logged
from screening.adapters import decision_search
from screening.service.ports import PRUNE_BATCH, Archive, DecisionLog, DecisionQuery, LogHealth, StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BATCH = 500  # decisions in one insert: bounds a statement's parameters and a replay's transaction
# Past either bound calls are refused rather than answered unrecorded.
# 100,000 decisions: a day of a large facility's calls, under two minutes of
# a replica at its peak (about 1,000 a second); some 35 MB on disk and 60 MB
# of memory (held for find). An hour: how long this replica's answers may stay out
# of the shared log, unseen by the other replicas' behavioural rules.
SPOOL_MAX_DECISIONS = 100_000
SPOOL_MAX_AGE_SECONDS = 3600.0
READERS = 8  # pooled connections for find, the tail, prune
QUICK = 1.0  # seconds a call's find waits for a pooled connection before it goes without
TCP_USER_TIMEOUT_MS = 5000  # a write the network swallows fails after that, and is spooled
# The writer's statement_timeout. A batch takes milliseconds; one that waits
# this long (locks, a stalled disk) is spooled and its calls answered, while
# the phone system still waits for them.
WRITE_TIMEOUT = "2s"


class PostgresDecisionLog(DecisionLog):
    def __init__(self, url: str, *, spool_path: str | Path, replica: str = "", mode: str = "rwc",
                 spool_max_decisions: int = SPOOL_MAX_DECISIONS,
                 spool_max_age_seconds: float = SPOOL_MAX_AGE_SECONDS, max_batch: int = MAX_BATCH,
                 answering: bool = True):
        """url: postgresql://...; spool_path: this replica's own spool file
        (its folder is made 0700); replica: this replica's name in the log
        (default host:pid, unique per process); mode: "rwc" migrates the
        schema, "rw" needs it current, "ro" only reads (no writer, no spool).
        The database must answer now; a spool left by an earlier run is
        replayed before this returns."""
        if mode not in ("rwc", "rw", "ro"):
            raise ValueError(f"mode must be rwc, rw or ro, not {mode!r}")
        if max_batch < 1 or spool_max_decisions < 1 or spool_max_age_seconds <= 0:
            raise ValueError("max_batch, spool_max_decisions and spool_max_age_seconds must be positive")
        self.url, self.replica, self._where = url, replica or f"{socket.gethostname()}:{os.getpid()}", shown(url)
        self._closed = False
        # Only a log that answers calls reads the key (roles.sql grants it to
        # the replicas alone): who reads the decisions cannot test a guessed
        # number against a privileged call's print.
        self.migrated, self._key = _prepare_schema(url, mode, with_key=mode != "ro" and answering)
        self._pool = pool(url, "decision-log", max_size=READERS, read_only=mode == "ro")
        self._tail = Tail(self.replica)
        self._writer: GroupCommit | None = None
        self._spool: Spool | None = None
        if mode != "ro" and answering:  # the CLI's prune reads and deletes: no writer, no spool
            try:
                self._spool = Spool(spool_path)
                self._writer = GroupCommit(lambda: _writer_connection(url), self._spool, self.replica,
                                           SpoolBound(spool_max_decisions, spool_max_age_seconds), max_batch,
                                           self._where, self._key)
                self._writer.start()
            except BaseException:
                self.close()
                raise

    @property
    def commits(self) -> int:
        """Transactions that committed decisions (a batch, or a batch of the spool, each)."""
        return self._writer.commits if self._writer else 0

    @property
    def replay_conflicts(self) -> int:
        """Spooled decisions another replica had answered first, found while replaying."""
        return self._writer.replay_conflicts if self._writer else 0

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._writer.close()
        if self._spool is not None:
            self._spool.close()
        self._pool.close()

    def find(self, facility_id: str, call_id: str) -> Logged | None:
        """The queue's or the spool's answer, else one indexed SELECT.

        The screener calls this before every append. On PostgreSQL append
        alone would be enough (its ON CONFLICT hands back the first answer,
        and calls queued or spooled are matched in memory): dropping the
        SELECT would save about half of what group commit gains
        (bench_decision_log_postgres: 16 threads, 2,835 against 5,991
        decisions/s). It stays: it is the port's promise, and it spares a
        retry the engine."""
        self._check_open()
        if self._writer is not None:
            answer = self._writer.find((facility_id, call_id))
            if answer is not None or not self._writer.reachable:
                # Away: a retry of a call answered before is screened again,
                # and its append or replay finds the first answer.
                return answer
        try:
            row = self._on_connection(lambda conn: conn.execute(FIND, (facility_id, call_id)).fetchone(), QUICK)
        except psycopg.OperationalError as error:  # PoolTimeout too
            if self._writer is None:
                raise StoreError(f"cannot read the decision log at {self._where}: {error}") from None
            log.debug("decision log: find went without the database (%s)", error)
            return None
        except psycopg.Error as error:
            raise database_error("finding a decision", error) from None
        return None if row is None else to_logged(as_row(row), self._key)

    def append(self, request: ScreenRequest, screening: Screening, call: CallPrint) -> Logged:
        self._check_open()
        if self._writer is None:
            raise StoreError("the decision log was opened read-only")
        return self._writer.append(to_row(request, screening, call), screening, call)

    def call_key(self) -> bytes:
        if self._key is None:
            raise StoreError("the decision log was opened read-only (to read or prune, not to answer calls): it has no call key")
        return self._key

    def attempts_since(self, since: float) -> Iterator[Attempt]:
        """Every replica's attempts. Not the spool's: a log that starts has
        replayed it, or could not read the table either."""
        self._check_open()
        try:
            with self._pool.connection() as conn:
                yield from self._tail.attempts_since(conn, since)
        except psycopg.Error as error:
            raise database_error("reading the recent attempts", error) from None

    def attempts_by_others(self) -> list[Attempt]:
        self._check_open()
        if self._writer is not None and not self._writer.reachable:
            return []  # polled again in a moment, from the same point: nothing is skipped
        try:
            return self._on_connection(self._tail.poll, QUICK)
        except psycopg.Error as error:
            log.debug("decision log: cannot read the other replicas' attempts now (%s)", error)
            return []

    def health(self) -> LogHealth:
        return self._writer.health() if self._writer else LogHealth()

    def prune(self, before: float, archive: Archive | None = None, batch: int = PRUNE_BATCH) -> int:
        self._check_open()
        deleted = 0
        while True:
            rows = self._execute("reading old decisions", f"SELECT id, {COLUMNS} FROM decisions WHERE at < %s "
                                 "ORDER BY id LIMIT %s", (before, batch))
            if not rows:
                if deleted:
                    self._forget_names()
                return deleted
            if archive is not None:
                archive([to_archived(as_row(row[1:])) for row in rows])
            # Exactly the rows archived: ids are not committed in order, so a
            # range of them may hold an old row committed since the read.
            self._execute("deleting old decisions", "DELETE FROM decisions WHERE id = ANY(%s)",
                          ([row[0] for row in rows],), fetch=False)
            deleted += len(rows)

    def search(self, query: DecisionQuery) -> Iterator[dict[str, Any]]:
        self._check_open()
        return decision_search.pages(query, "%s",
                                     lambda sql, params: self._execute("searching decisions", sql, tuple(params)))

    def called_names(self) -> list[str]:
        self._check_open()
        return [name for (name,) in self._execute("reading the called names", "SELECT name FROM called_names", ())]

    def _forget_names(self) -> None:
        """The names no decision holds any longer go (retention). The lock
        waits for the writes in flight (each holds called_names from its
        insert to its commit) and holds new ones back meanwhile, so a call
        to a name being forgotten cannot leave its name out."""
        def forget(conn: psycopg.Connection) -> list[tuple]:
            with conn.transaction():
                conn.execute("LOCK TABLE called_names IN SHARE ROW EXCLUSIVE MODE")
                conn.execute(FORGET_NAMES)
            return []

        try:
            self._on_connection(forget)
        except psycopg.Error as error:
            raise database_error("forgetting the names of pruned calls", error) from None

    def count_before(self, before: float) -> int:
        self._check_open()
        return self._execute("counting old decisions", "SELECT count(*) FROM decisions WHERE at < %s",
                             (before,))[0][0]

    def _execute(self, what: str, sql: str, params: tuple, fetch: bool = True) -> list[tuple]:
        def run(conn: psycopg.Connection) -> list[tuple]:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if fetch else []

        try:
            return self._on_connection(run)
        except PoolTimeout as error:  # before psycopg.Error, which it is
            raise StoreError(f"cannot reach the decision log at {self._where}: {error}") from None
        except psycopg.Error as error:
            raise database_error(what, error) from None

    def _on_connection(self, work: Callable[[psycopg.Connection], T], timeout: float | None = None) -> T:
        """work(conn) on a pooled connection; once more on a new one when the
        pooled one turns out broken (the server restarted since it was made)."""
        with self._pool.connection(timeout=timeout) as conn:
            try:
                return work(conn)
            except psycopg.OperationalError:
                if not conn.broken:
                    raise
        with self._pool.connection(timeout=timeout) as conn:  # the pool dropped the broken one
            return work(conn)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the decision log is closed")


def _prepare_schema(url: str, mode: str, with_key: bool) -> tuple[list[int], bytes | None]:
    """The migrations applied, and the call prints' key (migration 0004) when asked for."""
    conn = connect(url)
    try:
        if mode == "rwc":
            migrated = migrate(conn, "decisions")
        else:
            check_current(conn, "decisions")
            migrated = []
        return migrated, conn.execute(CALL_KEY).fetchone()[0].encode() if with_key else None
    except psycopg.Error as error:
        raise database_error("reading the decision log's call key", error) from None
    finally:
        conn.close()


def _writer_connection(url: str) -> psycopg.Connection:
    """The writer's own connection: every commit waits for its WAL flush
    (synchronous_commit on, whatever the server's default), and a write that
    hangs fails soon enough to be spooled instead."""
    if "tcp_user_timeout=" not in url:
        url += ("&" if "?" in url else "?") + f"tcp_user_timeout={TCP_USER_TIMEOUT_MS}"
    conn = connect(url)
    try:
        conn.execute("SET synchronous_commit = on")
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (WRITE_TIMEOUT,))
    except psycopg.Error as error:
        conn.close()
        raise database_error("preparing the decision log's writer", error) from None
    return conn

