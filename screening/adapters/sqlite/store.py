"""The embedded default store: one SQLite file, WAL mode, owner-only."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import pwd
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from screening.adapters import pending_changes, store_settings, table_codec
from screening.adapters.sqlite import change_log
from screening.adapters.sqlite import connection
from screening.adapters.sqlite.migrations import Migration, bundled_migrations
from screening.adapters.sqlite.upgrades import change_log_from_audit_log
from screening.domain.approvals import ApprovalPolicy, PendingChange, StoredPolicy, policy_record
from screening.domain.changelog import LogEntry
from screening.domain.entries import Audit, Change, Entry
from screening.domain.records import Record, fields_of, to_record
from screening.domain.snapshots import Delta, ListRows
from screening.service.ports import AuditView, EntryExists, EntryNotFound, Store, StoreError

_UPGRADES = {4: change_log_from_audit_log}
_BUSY_TIMEOUT_MS = 10_000
# Rows an import inserts per executemany: large enough that the per-call cost
# vanishes, small enough that a batch is nothing in memory.
_IMPORT_BATCH = 5_000
# Page cache while importing (default 2 MiB): an import inserts all over the
# key's index, and with the hot part of it cached a million rows go in 25% faster.
_IMPORT_CACHE_KIB = 32 * 1024


class SqliteStore(table_codec.FilteredReads, Store):
    PLACEHOLDER = "?"

    def __init__(self, path: str | os.PathLike, migrations: list[Migration] | None = None, *, mode: str = "rwc",
                 audit_key: bytes | None = None):
        """mode: "rwc" creates the file (owner-only) when missing, "rw" never
        does, "ro" only reads: no migration, no pragma that writes (connection.py).
        audit_key: the change log's HMAC key (adapters/sqlite/change_log.py)."""
        self.path, self._mode, self._key = Path(path), mode, audit_key or None
        if mode == "rwc":
            create_private_file(self.path)
        # synchronous=FULL: a list change the CLI reported done survives a power cut.
        self._conn, self.migrated = connection.open_database(
            self.path, mode, "SQLite database", bundled_migrations() if migrations is None else migrations,
            ("PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"), _BUSY_TIMEOUT_MS / 1000, _UPGRADES)
        self._lock = threading.Lock()

    def close(self) -> None:
        connection.close(self._conn, self.path, self._mode)

    def list_version(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT version FROM list_version").fetchone()[0]

    @contextlib.contextmanager
    def read_lists(self) -> Iterator[ListRows]:
        with self._reading("the lists") as conn:
            version = conn.execute("SELECT version FROM list_version").fetchone()[0]
            yield table_codec.snapshot_rows(version, conn.execute)

    def add(self, entry: Entry, change: Change) -> Entry:
        table = entry.LIST
        stored = dataclasses.replace(entry, audit=Audit(datetime.now(UTC), change.actor, change.reason))
        row = table_codec.row_of(stored)
        columns = [c for c in row if c != "id"]
        sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
               f"VALUES ({', '.join('?' for _ in columns)}) RETURNING id")
        with self._lock, self._write_transaction() as conn:
            try:
                entry_id = conn.execute(sql, [row[c] for c in columns]).fetchone()[0]
            except sqlite3.IntegrityError:
                key = ", ".join(f"{k}={row[k]!r}" for k in entry.KEY if row[k])
                raise EntryExists(f"{table} already has an entry for {key}") from None
            stored = dataclasses.replace(stored, id=entry_id)
            self._log(conn, change, "add", table, entry_id, after=to_record(stored))
        return stored

    def remove(self, entry_type: type, key: dict[str, str], change: Change) -> Entry:
        table = entry_type.LIST
        with self._lock, self._write_transaction() as conn:
            entry = self._find(conn, entry_type, key)
            conn.execute(f"DELETE FROM {table} WHERE id = ?", (entry.id,))
            self._log(conn, change, "remove", table, entry.id, before=to_record(entry))
        return entry

    def edit(self, entry_type: type, key: dict[str, str], changes: dict, change: Change) -> tuple[Entry, Entry]:
        table = entry_type.LIST
        with self._lock, self._write_transaction() as conn:
            before = self._find(conn, entry_type, key)
            after = dataclasses.replace(before, **changes)
            if after == before:
                return before, before
            row = table_codec.row_of(after)
            columns = [c for c in changes]
            conn.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
                         [*(row[c] for c in columns), before.id])
            self._log(conn, change, "edit", table, before.id, before=to_record(before), after=to_record(after))
        return before, after

    def _find(self, conn: sqlite3.Connection, entry_type: type, key: dict[str, str]) -> Entry:
        table = entry_type.LIST
        fields = table_codec.key_fields(entry_type, key)
        where = " AND ".join(f"{column} = ?" for column in fields)
        values = [key.get(column, "") for column in fields]
        cursor = conn.execute(f"SELECT * FROM {table} WHERE {where}", values)
        row = cursor.fetchone()
        if row is None:
            raise EntryNotFound(table_codec.not_found(entry_type, fields, values))
        return _from_row(entry_type, cursor, row)

    def import_entries(self, entry_type: type, rows: Iterable[tuple[int, Entry, str]], change: Change,
                       on_duplicate: Callable[[int, bool], None], finish: Callable[[int], dict | None]) -> int:
        table = entry_type.LIST
        columns = [c for c in table_codec.columns(entry_type) if c != "id"]
        # ON CONFLICT DO NOTHING covers the UNIQUE key only: a CHECK still fails.
        insert = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
                  "ON CONFLICT DO NOTHING")
        now = datetime.now(UTC)
        stamp = (now.isoformat(), change.actor)
        write = table_codec.writer(entry_type)
        try:
            with self._lock, _cache_size(self._conn, _IMPORT_CACHE_KIB), self._write_transaction() as conn:
                first_new = _max_id(conn, table) + 1
                added = 0
                logged = change_log.RowsWriter(conn, change_log.next_version(conn))
                for batch in _batches(rows, _IMPORT_BATCH):
                    values = [[*write(entry), *stamp, reason] for _, entry, reason in batch]
                    batch_first = _max_id(conn, table) + 1
                    before = conn.total_changes
                    conn.executemany(insert, values)
                    inserted = conn.total_changes - before
                    if inserted < len(batch):
                        _report_duplicates(conn, entry_type, columns, batch, values, (first_new, batch_first),
                                           on_duplicate)
                    added += inserted
                    logged.write(_records_from(conn, table, batch_first))
                details = finish(added)
                if details is None or not added:  # refused, a dry run, or nothing new: no change
                    raise _Abandon
                self._log(conn, change, "import", table, 0, details=details, rows=logged, at=now)
        except _Abandon:
            return 0
        return added

    def _select(self, entry_type: type, where: str, values: list) -> Iterator[Entry]:
        with self._lock:
            cursor = self._conn.execute(f"SELECT * FROM {entry_type.LIST} WHERE {where} ORDER BY id", values)
            rows = cursor.fetchall()
            entries = [_from_row(entry_type, cursor, row) for row in rows]
        return iter(entries)

    def stream(self, entry_type: type) -> Iterator[Entry]:
        with self._reading(entry_type.LIST) as conn:
            cursor = conn.execute(f"SELECT * FROM {entry_type.LIST} ORDER BY id")
            for row in cursor:
                yield _from_row(entry_type, cursor, row)

    def head(self) -> LogEntry | None:
        with self._lock:
            return change_log.head(self._conn)

    def record_access(self, change: Change, what: dict) -> LogEntry:
        with self._lock, self._write_transaction() as conn:
            return self._log(conn, change, "report", "", 0, details=what)

    def identity(self) -> str:
        return os_identity()

    def request_change(self, pending: PendingChange, change: Change) -> PendingChange:
        with self._lock, self._write_transaction() as conn:
            stored = dataclasses.replace(pending, id=pending_changes.insert(conn.execute, "?", pending))
            self._log(conn, change, "request", "approvals", stored.id,
                      details=pending_changes.request_details(stored))
        return stored

    def pending_changes(self, status: str = "", change_id: int = 0) -> list[PendingChange]:
        with self._lock:
            return pending_changes.select(self._conn.execute, "?", status, change_id)

    def approval_policy(self) -> StoredPolicy | None:
        with self._lock:
            return store_settings.approval_policy(self._conn.execute, "?")

    def set_approval_policy(self, policy: ApprovalPolicy, change: Change, expected: int,
                            details: dict | None = None) -> StoredPolicy:
        with self._lock, self._write_transaction() as conn:
            store_settings.check_unchanged(conn.execute, "?", expected)
            entry = self._log(conn, change, "policy", "approvals", 0,
                              details={**(details or {}), "policy": policy_record(policy)})
            store_settings.put_approval_policy(conn.execute, "?", policy, entry.version, change.actor)
        return StoredPolicy(policy, entry.version, change.actor)

    def decide_change(self, change_id: int, status: str, change: Change) -> PendingChange:
        with self._lock, self._write_transaction() as conn:
            decided = pending_changes.decide(conn.execute, "?", change_id, status, change.actor, change.reason,
                                             datetime.now(UTC))
            self._log(conn, change, pending_changes.ACTION_OF[status], "approvals", change_id,
                      details=pending_changes.decision_details(decided))
        return decided

    def log(self, since: str = "", until: str = "", actor: str = "", list_name: str = "",
            entry_id: int = 0) -> Iterator[LogEntry]:
        where, values = ["1 = 1"], []
        for condition, value in (("at >= ?", since), ("at < ?", until), ("actor = ?", actor),
                                 ("list = ?", list_name), ("entry_id = ?", entry_id)):
            if value:
                where.append(condition)
                values.append(value)
        with self._lock:
            found = list(change_log.entries(self._conn, " AND ".join(where), values))
        return iter(found)

    def log_rows(self, version: int) -> Iterator[Record]:
        with self._lock:
            found = list(change_log.rows_of(self._conn, version))
        return iter(found)

    @contextlib.contextmanager
    def audit_view(self) -> Iterator[AuditView]:
        with self._reading("the change log and the lists") as conn:
            version = conn.execute("SELECT version FROM list_version").fetchone()[0]
            yield AuditView(
                version=version,
                entries=lambda: change_log.entries(conn),
                rows=lambda v: change_log.stored_rows(conn, v),
                records=lambda name: _records(conn, name),
                approval_policy=lambda: store_settings.approval_policy(conn.execute, "?"),
            )

    def read_changes(self, since: int, max_rows: int) -> Delta | None:
        with self._lock, self._read_transaction() as conn:
            return change_log.delta(conn, since, max_rows)

    def _log(self, conn: sqlite3.Connection, change: Change, action: str, table: str, entry_id: int,
             before: Record | None = None, after: Record | None = None, details: dict | None = None,
             rows: change_log.RowsWriter | None = None, at: datetime | None = None) -> LogEntry:
        when = at.isoformat() if at else change_log.now()
        entry = LogEntry(change_log.next_version(conn), when, change.actor, change.reason, action, table,
                         entry_id, before, after, {**change.details, **(details or {})})
        return change_log.append(conn, entry, self._key, rows)

    @contextlib.contextmanager
    def _reading(self, what: str) -> Iterator[sqlite3.Connection]:
        """A read-only connection of its own, in one read transaction: a read
        of millions of rows sees one version, holds none of the store's
        locks (changes go on being read meanwhile) and may take its time."""
        conn = self._reader()
        try:
            conn.execute("BEGIN")
            yield conn
        except sqlite3.Error as error:
            raise StoreError(f"cannot read {what} from {self.path}: {error}") from error
        finally:
            conn.close()

    def _reader(self) -> sqlite3.Connection:
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)

    def _write_transaction(self):
        return _Transaction(self._conn, "BEGIN IMMEDIATE")

    def _read_transaction(self):
        return _Transaction(self._conn, "BEGIN")


class _Abandon(Exception):
    """Raised in a transaction to roll it back: nothing went wrong, nothing is kept."""


class _Transaction:
    """BEGIN on enter; COMMIT on success, ROLLBACK on any error."""

    def __init__(self, conn: sqlite3.Connection, begin: str):
        self._conn, self._begin = conn, begin

    def __enter__(self) -> sqlite3.Connection:
        try:
            self._conn.execute(self._begin)
        except sqlite3.Error as error:  # e.g. locked past the busy timeout by a long import
            raise StoreError(f"database error: {error}") from error
        return self._conn

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self._conn.execute("COMMIT")
        else:
            self._conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error) and not isinstance(error, StoreError):
                raise StoreError(f"database error: {error}") from error


def _max_id(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    rows = iter(rows)
    while batch := list(itertools.islice(rows, size)):
        yield batch


@contextlib.contextmanager
def _cache_size(conn: sqlite3.Connection, kib: int) -> Iterator[None]:
    """Another page cache size for a while."""
    previous = conn.execute("PRAGMA cache_size").fetchone()[0]
    # PRAGMA takes no parameters; both values are ints.
    conn.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(previous)}")


def _report_duplicates(conn: sqlite3.Connection, entry_type: type, columns: list[str], batch: list,
                       values: list, first_ids: tuple[int, int], on_duplicate: Callable[[int, bool], None]) -> None:
    """Tell which rows of a batch were not inserted, and why. The batch added
    the entries from its first id on; a row whose key is not among them (or
    was, for an earlier row) is a duplicate: of an entry there before the
    import if that entry's id is below the import's first id, else of an
    earlier row of the file. Nothing is held beyond the batch."""
    first_new, batch_first = first_ids
    table, key = entry_type.LIST, entry_type.KEY
    positions = [columns.index(column) for column in key]
    added = set(conn.execute(f"SELECT {', '.join(key)} FROM {table} WHERE id >= ?", (batch_first,)))
    find = f"SELECT id FROM {table} WHERE " + " AND ".join(f"{column} = ?" for column in key)
    for (line, _, _), row in zip(batch, values):
        row_key = tuple(row[i] for i in positions)
        if row_key in added:
            added.remove(row_key)  # this row added it; a later row with its key is a duplicate
        else:
            on_duplicate(line, conn.execute(find, row_key).fetchone()[0] >= first_new)


def _from_row(entry_type: type, cursor: sqlite3.Cursor, row: tuple) -> Entry:
    return table_codec.entry_of(entry_type, dict(zip((d[0] for d in cursor.description), row)))


def _records(conn: sqlite3.Connection, list_name: str) -> Iterator[Record]:
    columns = fields_of(list_name)
    for row in conn.execute(f"SELECT {', '.join(columns)} FROM {list_name} ORDER BY id"):
        yield table_codec.record_of_row(list_name, dict(zip(columns, row)))


def _records_from(conn: sqlite3.Connection, table: str, first_id: int) -> Iterator[Record]:
    """The entries an import's batch added (ids from first_id on: the import holds the write lock)."""
    columns = fields_of(table)
    for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id >= ? ORDER BY id", (first_id,)):
        yield table_codec.record_of_row(table, dict(zip(columns, row)))


def os_identity() -> str:
    """Who runs this process: the user sudo ran it for ($SUDO_USER: staff run
    `sudo -u SERVICE screening ...`, and sudo's env_reset keeps them from
    setting it), else the real uid's name. Never $USER or $LOGNAME, which
    anyone sets; whoever runs as the file's owner without sudo could edit
    the file itself anyway."""
    sudo_user = os.environ.get("SUDO_USER", "").strip()
    if sudo_user:
        return sudo_user
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid with no passwd entry (a container's)
        return f"uid:{os.getuid()}"


def create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (lists name
    victims and witnesses); SQLite gives its -wal and -shm files the same mode."""
    if path.exists():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise StoreError(f"cannot create database {path}: {error.strerror}") from error
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass  # another process created it first
    except OSError as error:
        raise StoreError(f"cannot create database {path}: {error.strerror}") from error
