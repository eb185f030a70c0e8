"""The lists in PostgreSQL, shared by replicas on several machines: the
same tables, records and change-log chain as the SQLite store (which is the
reference), with writers serialized on the chain head (change_log.lock_head)
and told to the others at commit (NOTIFY; notifications.py)."""

from __future__ import annotations

import contextlib
import dataclasses
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

import psycopg
from psycopg import sql
from psycopg_pool import PoolTimeout

from screening.adapters import pending_changes, store_settings, table_codec
from screening.adapters.postgres import change_log, connection, imports
from screening.adapters.postgres.migrations import check_current, migrate, schema_version
from screening.adapters.postgres.notifications import Listener
from screening.domain.approvals import ApprovalPolicy, PendingChange, StoredPolicy, policy_record
from screening.domain.changelog import LogEntry
from screening.domain.entries import Audit, Change, Entry
from screening.domain.records import Record, fields_of, to_record
from screening.domain.snapshots import Delta, ListRows
from screening.service.ports import AuditView, EntryExists, EntryNotFound, Store, StoreError

MODES = ("rwc", "rw", "ro")
# Connections a store keeps: the reloader, a rebuild in the background and
# a command's reads and writes; a replica's calls never reach the store.
_POOL_SIZE = 4
# How long a statement waits for a connection: while the server is away a
# read fails after this, it does not hang.
_POOL_TIMEOUT = 5.0
# Rows a server-side cursor fetches at a time: a million-row list is read
# in batches, never held whole.
_FETCH = 10_000


class PostgresStore(table_codec.FilteredReads, Store):
    PLACEHOLDER = "%s"

    def __init__(self, url: str, mode: str = "rwc", audit_key: bytes | None = None):
        """mode: "rwc" creates the lists' tables in an empty schema and
        upgrades an older one; "rw" only upgrades (a mistyped database must
        not get new empty lists); "ro" only reads, in read-only transactions.
        audit_key: the change log's HMAC key."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.url, self.shown, self._mode, self._key = url, connection.shown(url), mode, audit_key or None
        # A connection of its own first: a wrong URL or a server away fails
        # at once, in one line, before a pool would retry it.
        with contextlib.closing(connection.connect(url, read_only=mode == "ro")) as conn:
            self.migrated = self._open_schema(conn)
        self._pool = connection.pool(url, "screening-lists", max_size=_POOL_SIZE, read_only=mode == "ro",
                                     timeout=_POOL_TIMEOUT, check=True)
        self._listener = Listener(url)

    def _open_schema(self, conn: psycopg.Connection) -> list[int]:
        try:
            return self._migrated(conn)
        except psycopg.Error as error:
            raise connection.database_error(f"opening the lists at {self.shown}", error) from error

    def _migrated(self, conn: psycopg.Connection) -> list[int]:
        if self._mode != "rwc" and schema_version(conn, "lists") == 0:
            raise StoreError(f"no screening lists at {self.shown}; create them with 'screening init --database "
                             f"{self.shown}' or by starting 'screening serve --database {self.shown}'")
        if self._mode == "ro":
            check_current(conn, "lists")
            return []
        return migrate(conn, "lists")

    def close(self) -> None:
        self._listener.close()
        self._pool.close()

    def list_version(self) -> int:
        with self._connection("reading the list version") as conn:
            return conn.execute("SELECT version FROM list_version").fetchone()[0]

    def wait_for_change(self, timeout: float) -> bool:
        return self._listener.wait(timeout)

    @contextlib.contextmanager
    def read_lists(self) -> Iterator[ListRows]:
        with self._reading("the lists") as reads:
            yield table_codec.snapshot_rows(reads.version(), reads.rows)

    def add(self, entry: Entry, change: Change) -> Entry:
        table = entry.LIST
        stored = dataclasses.replace(entry, audit=Audit(datetime.now(UTC), change.actor, change.reason))
        row = table_codec.row_of(stored)
        columns = [c for c in row if c != "id"]
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
            sql.Identifier(table), _names(columns), sql.SQL(", ").join(sql.Placeholder() * len(columns)))
        with self._changing(f"adding to the {table}") as (conn, version):
            try:
                entry_id = conn.execute(query, [row[c] for c in columns]).fetchone()[0]
            except psycopg.errors.UniqueViolation:
                key = ", ".join(f"{k}={row[k]!r}" for k in entry.KEY if row[k])
                raise EntryExists(f"{table} already has an entry for {key}") from None
            stored = dataclasses.replace(stored, id=entry_id)
            self._log(conn, version, change, "add", table, entry_id, after=to_record(stored))
        return stored

    def remove(self, entry_type: type, key: dict[str, str], change: Change) -> Entry:
        table = entry_type.LIST
        with self._changing(f"removing from the {table}") as (conn, version):
            entry = _find(conn, entry_type, key)
            conn.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(sql.Identifier(table)), (entry.id,))
            self._log(conn, version, change, "remove", table, entry.id, before=to_record(entry))
        return entry

    def edit(self, entry_type: type, key: dict[str, str], changes: dict, change: Change) -> tuple[Entry, Entry]:
        table = entry_type.LIST
        with self._changing(f"changing the {table}") as (conn, version):
            before = _find(conn, entry_type, key)
            after = dataclasses.replace(before, **changes)
            if after == before:
                return before, before
            row = table_codec.row_of(after)
            columns = list(changes)
            conn.execute(sql.SQL("UPDATE {} SET {} WHERE id = %s").format(
                sql.Identifier(table), sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c))
                                                          for c in columns)),
                [*(row[c] for c in columns), before.id])
            self._log(conn, version, change, "edit", table, before.id, before=to_record(before),
                      after=to_record(after))
        return before, after

    def import_entries(self, entry_type: type, rows: Iterable[tuple[int, Entry, str]], change: Change,
                       on_duplicate: Callable[[int, bool], None], finish: Callable[[int], dict | None]) -> int:
        table = entry_type.LIST
        now = datetime.now(UTC)
        try:
            with self._changing(f"importing into the {table}", lock=False) as (conn, _):
                imports.stage(conn, entry_type, rows)
                version = change_log.lock_head(conn)
                added = imports.insert(conn, entry_type, (now.isoformat(), change.actor))
                imports.report_duplicates(conn, entry_type, on_duplicate)
                details = finish(added)
                if details is None or not added:  # refused, a dry run, or nothing new: rolled back
                    raise _Abandon
                logged = change_log.RowsWriter(conn, version + 1)
                imports.log_rows(conn, entry_type, logged)
                self._log(conn, version, change, "import", table, 0, details=details, rows=logged, at=now)
        except _Abandon:
            return 0
        return added

    def _select(self, entry_type: type, where: str, values: list) -> Iterator[Entry]:
        """`where`: SQL of table_codec's, columns checked, values parameters."""
        columns = table_codec.columns(entry_type)
        query = sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY id").format(
            _names(columns), sql.Identifier(entry_type.LIST), sql.SQL(where))
        with self._connection(f"reading the {entry_type.LIST}") as conn:
            rows = conn.execute(query, values).fetchall()
        return iter([table_codec.entry_of(entry_type, dict(zip(columns, row))) for row in rows])

    def stream(self, entry_type: type) -> Iterator[Entry]:
        with self._reading(entry_type.LIST) as reads:
            for record in _records(reads, entry_type.LIST):
                yield table_codec.entry_of(entry_type, record)

    def head(self) -> LogEntry | None:
        with self._connection("reading the change log") as conn:
            return change_log.head(conn)

    def record_access(self, change: Change, what: dict) -> LogEntry:
        with self._changing("recording a report in the change log") as (conn, version):
            return self._log(conn, version, change, "report", "", 0, details=what)

    def identity(self) -> str:
        """The role the connections log in as (session_user: SET ROLE does
        not change it), one per person (README "Two-person changes")."""
        with self._connection("reading who is connected") as conn:
            return conn.execute("SELECT session_user").fetchone()[0]

    def request_change(self, pending: PendingChange, change: Change) -> PendingChange:
        with self._changing("holding a change for approval") as (conn, version):
            stored = dataclasses.replace(pending, id=pending_changes.insert(conn.execute, "%s", pending))
            self._log(conn, version, change, "request", "approvals", stored.id,
                      details=pending_changes.request_details(stored))
        return stored

    def pending_changes(self, status: str = "", change_id: int = 0) -> list[PendingChange]:
        with self._connection("reading the pending changes") as conn:
            return pending_changes.select(conn.execute, "%s", status, change_id)

    def approval_policy(self) -> StoredPolicy | None:
        with self._connection("reading the approval policy") as conn:
            return store_settings.approval_policy(conn.execute, "%s")

    def set_approval_policy(self, policy: ApprovalPolicy, change: Change, expected: int,
                            details: dict | None = None) -> StoredPolicy:
        with self._changing("setting the approval policy") as (conn, version):
            store_settings.check_unchanged(conn.execute, "%s", expected)
            entry = self._log(conn, version, change, "policy", "approvals", 0,
                              details={**(details or {}), "policy": policy_record(policy)})
            store_settings.put_approval_policy(conn.execute, "%s", policy, entry.version, change.actor)
        return StoredPolicy(policy, entry.version, change.actor)

    def decide_change(self, change_id: int, status: str, change: Change) -> PendingChange:
        with self._changing("deciding a pending change") as (conn, version):
            decided = pending_changes.decide(conn.execute, "%s", change_id, status, change.actor, change.reason,
                                             datetime.now(UTC))
            self._log(conn, version, change, pending_changes.ACTION_OF[status], "approvals", change_id,
                      details=pending_changes.decision_details(decided))
        return decided

    def log(self, since: str = "", until: str = "", actor: str = "", list_name: str = "",
            entry_id: int = 0) -> Iterator[LogEntry]:
        where, values = [], []
        for condition, value in (("at >= %s", since), ("at < %s", until), ("actor = %s", actor),
                                 ("list = %s", list_name), ("entry_id = %s", entry_id)):
            if value:
                where.append(sql.SQL(condition))
                values.append(value)
        with self._connection("reading the change log") as conn:
            found = list(change_log.entries(conn.execute, sql.SQL(" AND ").join(where) if where else sql.SQL("TRUE"),
                                            values))
        return iter(found)

    def log_rows(self, version: int) -> Iterator[Record]:
        with self._connection("reading the change log") as conn:
            found = list(change_log.rows_of(conn.execute, version))
        return iter(found)

    @contextlib.contextmanager
    def audit_view(self) -> Iterator[AuditView]:
        with self._reading("the change log and the lists") as reads:
            yield AuditView(
                version=reads.version(),
                entries=lambda: change_log.entries(reads.rows),
                rows=lambda version: change_log.stored_rows(reads.rows, version),
                records=lambda name: _records(reads, name),
                approval_policy=lambda: store_settings.approval_policy(reads.conn.execute, "%s"),
            )

    def read_changes(self, since: int, max_rows: int) -> Delta | None:
        with self._reading("the changes") as reads:
            return change_log.delta(reads.conn, since, max_rows)

    def _log(self, conn: psycopg.Connection, version: int, change: Change, action: str, table: str,
             entry_id: int, before: Record | None = None, after: Record | None = None, details: dict | None = None,
             rows: change_log.RowsWriter | None = None, at: datetime | None = None) -> LogEntry:
        """The change's entry, after `version` (the head its transaction locked)."""
        when = at.isoformat() if at else datetime.now(UTC).isoformat()
        entry = LogEntry(version + 1, when, change.actor, change.reason, action, table, entry_id, before, after,
                         {**change.details, **(details or {})})
        return change_log.append(conn, entry, self._key, rows)

    @contextlib.contextmanager
    def _connection(self, what: str) -> Iterator[psycopg.Connection]:
        """A pooled autocommit connection; psycopg's errors become StoreErrors naming `what`."""
        try:
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout:
            raise StoreError(f"PostgreSQL at {self.shown} did not answer in {_POOL_TIMEOUT:g} s "
                             f"(while {what})") from None
        except psycopg.Error as error:
            raise connection.database_error(what, error) from error

    @contextlib.contextmanager
    def _changing(self, what: str, lock: bool = True) -> Iterator[tuple[psycopg.Connection, int]]:
        """One write transaction, holding the chain head's lock from the start
        (lock=False: the caller takes it with change_log.lock_head); yields
        the connection and the list version it locked (0 when not locked)."""
        if self._mode == "ro":
            raise StoreError(f"cannot change the lists at {self.shown}: the store was opened read-only")
        with self._connection(what) as conn, conn.transaction():
            yield conn, change_log.lock_head(conn) if lock else 0

    @contextlib.contextmanager
    def _reading(self, what: str) -> Iterator[_Reads]:
        """One read-only transaction, REPEATABLE READ: a read of millions of
        rows sees one version, and may take its time."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                reads = _Reads(conn)
                try:
                    yield reads
                finally:
                    reads.close()
        except PoolTimeout:
            raise StoreError(f"cannot read {what} from {self.shown}: it did not answer in {_POOL_TIMEOUT:g} s") \
                from None
        except psycopg.Error as error:
            raise StoreError(f"cannot read {what} from {self.shown}: {connection.message(error)}") from error


class _Reads:
    """A read transaction's queries, each from a server-side cursor of its
    own, all closed before the connection goes back to the pool (a cursor
    closed later could hit whoever has it then)."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self._open: weakref.WeakSet = weakref.WeakSet()
        self._count = 0

    def version(self) -> int:
        return self.conn.execute("SELECT version FROM list_version").fetchone()[0]

    def rows(self, query: str | sql.Composable, params: Sequence = ()) -> Iterator[tuple]:
        self._count += 1
        rows = self._fetch(f"screening_read_{self._count}", query, params)
        self._open.add(rows)
        return rows

    def _fetch(self, name: str, query: str | sql.Composable, params: Sequence) -> Iterator[tuple]:
        with self.conn.cursor(name=name) as cursor:
            cursor.itersize = _FETCH
            cursor.execute(query, params)
            yield from cursor

    def close(self) -> None:
        for rows in list(self._open):
            rows.close()


class _Abandon(Exception):
    """Raised in a transaction to roll it back: nothing went wrong, nothing is kept."""


def _find(conn: psycopg.Connection, entry_type: type, key: dict[str, str]) -> Entry:
    columns = table_codec.columns(entry_type)
    fields = table_codec.key_fields(entry_type, key)
    values = [key.get(column, "") for column in fields]
    row = conn.execute(sql.SQL("SELECT {} FROM {} WHERE {}").format(
        _names(columns), sql.Identifier(entry_type.LIST),
        sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in fields)),
        values).fetchone()
    if row is None:
        raise EntryNotFound(table_codec.not_found(entry_type, fields, values))
    return table_codec.entry_of(entry_type, dict(zip(columns, row)))


def _records(reads: _Reads, list_name: str) -> Iterator[Record]:
    columns = fields_of(list_name)
    for row in reads.rows(sql.SQL("SELECT {} FROM {} ORDER BY id").format(_names(columns),
                                                                           sql.Identifier(list_name))):
        yield table_codec.record_of_row(list_name, dict(zip(columns, row)))


def _names(columns: Iterable[str]) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, columns))
