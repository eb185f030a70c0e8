"""The embedded default store: one SQLite file, WAL mode, owner-only."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import json
import operator
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from screening.domain.blocklist import BlockRow, BlockTable, Category, Scope
from screening.domain.entries import Audit, AuditRecord, Change, Entry
from screening.domain.lists import Allowlist, ListSnapshot, NumberTable
from screening.domain.model import BlockAction, PrivilegedKind
from screening.domain.contacts import count_people
from screening.domain.watchlist import Watchlist, WatchCategory, WatchRow
from screening.service.ports import EntryExists, EntryNotFound, Store, StoreError
from screening.adapters.sqlite import connection
from screening.adapters.sqlite.migrations import Migration, bundled_migrations

# Columns stored as text: how a value is written, and read back.
_TEXT_COLUMNS = {
    "kind": (lambda v: v.label, PrivilegedKind.from_label),
    "action": (lambda v: v.label, BlockAction.from_label),
    "category": (lambda v: v.label, Category.from_label),
    "scope": (str, Scope.parse),
    "expires_at": (lambda v: v.isoformat() if v else "", lambda t: datetime.fromisoformat(t) if t else None),
}
# Columns that hold something else in one list.
_LIST_COLUMNS = {
    "watchlist": {
        "category": (lambda v: v.label, WatchCategory.from_label),
        "aliases": (lambda v: json.dumps(list(v), ensure_ascii=False), lambda t: tuple(json.loads(t))),
    },
}
_AUDIT_COLUMNS = ("created_at", "created_by", "reason")
_BUSY_TIMEOUT_MS = 10_000
# Rows an import inserts per executemany: large enough that the per-call cost
# vanishes, small enough that a batch is nothing in memory.
_IMPORT_BATCH = 5_000
# Page cache while importing (default 2 MiB): an import inserts all over the
# key's index, and with the hot part of it cached a million rows go in 25% faster.
_IMPORT_CACHE_KIB = 32 * 1024


class SqliteStore(Store):
    def __init__(self, path: str | os.PathLike, migrations: list[Migration] | None = None, *, mode: str = "rwc"):
        """mode: "rwc" creates the file (owner-only) when missing, "rw" never
        does, "ro" only reads: no migration, no pragma that writes (connection.py)."""
        self.path, self._mode = Path(path), mode
        if mode == "rwc":
            create_private_file(self.path)
        # synchronous=FULL: a list change the CLI reported done survives a power cut.
        self._conn, self.migrated = connection.open_database(
            self.path, mode, "SQLite database", bundled_migrations() if migrations is None else migrations,
            ("PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"), _BUSY_TIMEOUT_MS / 1000)
        self._lock = threading.Lock()

    def close(self) -> None:
        connection.close(self._conn, self.path, self._mode)

    def list_version(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT version FROM list_version").fetchone()[0]

    def snapshot(self) -> ListSnapshot:
        with self._lock, self._read_transaction() as conn:
            version = conn.execute("SELECT version FROM list_version").fetchone()[0]
            # Ordering by (length, text) of "+digits" is numeric order of the keys.
            allowlist = Allowlist(
                (inmate, int(number[1:]), entry_id, facility, name, relationship)
                for inmate, number, entry_id, facility, name, relationship in conn.execute(
                    "SELECT inmate_id, number, id, facility_id, name, relationship FROM allowlist "
                    "ORDER BY inmate_id, length(number), number"
                )
            )
            privileged = NumberTable(
                (int(number[1:]), entry_id, PrivilegedKind.from_label(kind))
                for number, entry_id, kind in conn.execute(
                    "SELECT number, id, kind FROM privileged ORDER BY length(number), number"
                )
            )
            # A few actions, categories, scopes and expiries recur across
            # hundreds of thousands of rows: each is read once.
            action_of, category_of = functools.cache(BlockAction.from_label), functools.cache(Category.from_label)
            scope_of, epoch_of = functools.cache(Scope.parse), functools.cache(_epoch)
            blocked = BlockTable(
                BlockRow(entry_id, pattern, action_of(action), category_of(category), scope_of(scope),
                         epoch_of(expires_at))
                for entry_id, pattern, action, category, scope, expires_at in conn.execute(
                    "SELECT id, pattern, action, category, scope, expires_at FROM blocklist"
                )
            )
            shared = NumberTable(
                (int(number[1:]), inmates, min(count_people(json.loads(names)), 127))
                for number, inmates, names in conn.execute(
                    "SELECT number, count(DISTINCT inmate_id), json_group_array(name) FROM allowlist "
                    "GROUP BY number HAVING count(DISTINCT inmate_id) > 1 ORDER BY length(number), number"
                )
            )
            watchlist = Watchlist(
                WatchRow(entry_id, name, tuple(json.loads(aliases)), WatchCategory.from_label(category),
                         BlockAction.from_label(action), Scope.parse(scope))
                for entry_id, name, aliases, category, action, scope in conn.execute(
                    "SELECT id, name, aliases, category, action, scope FROM watchlist"
                )
            )
        return ListSnapshot(version, allowlist, privileged, blocked, shared, watchlist)

    def add(self, entry: Entry, change: Change) -> Entry:
        table = entry.LIST
        now = datetime.now(UTC)
        stored = dataclasses.replace(entry, audit=Audit(now, change.actor, change.reason))
        row = _to_row(stored)
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
            self._audit(conn, now, change, "add", table, entry_id, _to_row(stored))
        return stored

    def remove(self, entry_type: type, key: dict[str, str], change: Change) -> Entry:
        table = entry_type.LIST
        where = " AND ".join(f"{column} = ?" for column in entry_type.KEY)
        values = [key.get(column, "") for column in entry_type.KEY]
        with self._lock, self._write_transaction() as conn:
            cursor = conn.execute(f"SELECT * FROM {table} WHERE {where}", values)
            row = cursor.fetchone()
            if row is None:
                shown = ", ".join(f"{c}={v!r}" for c, v in zip(entry_type.KEY, values) if v)
                raise EntryNotFound(f"{table} has no entry for {shown}")
            entry = _from_row(entry_type, cursor, row)
            conn.execute(f"DELETE FROM {table} WHERE id = ?", (entry.id,))
            self._audit(conn, datetime.now(UTC), change, "remove", table, entry.id, _to_row(entry))
        return entry

    def import_entries(self, entry_type: type, rows: Iterable[tuple[int, Entry, str]], change: Change,
                       on_duplicate: Callable[[int, bool], None], finish: Callable[[int], dict | None]) -> int:
        table = entry_type.LIST
        columns = [c for c in _columns(entry_type) if c != "id"]
        # ON CONFLICT DO NOTHING covers the UNIQUE key only: a CHECK still fails.
        insert = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
                  "ON CONFLICT DO NOTHING")
        now = datetime.now(UTC)
        stamp = (now.isoformat(), change.actor)
        write = _writer(entry_type)
        try:
            with self._lock, _cache_size(self._conn, _IMPORT_CACHE_KIB), self._write_transaction() as conn:
                first_new = _max_id(conn, table) + 1
                added = 0
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
                details = finish(added)
                if details is None:
                    raise _Abandon
                self._audit(conn, now, change, "import", table, 0, details)
        except _Abandon:
            return 0
        return added

    def entries(self, entry_type: type, **filters: str) -> Iterator[Entry]:
        for column in filters:
            if column not in _columns(entry_type):
                raise StoreError(f"{entry_type.LIST} has no field {column!r}")
        where = " AND ".join(f"{column} = ?" for column in filters) or "1 = 1"
        with self._lock:
            cursor = self._conn.execute(f"SELECT * FROM {entry_type.LIST} WHERE {where} ORDER BY id",
                                        list(filters.values()))
            rows = cursor.fetchall()
            entries = [_from_row(entry_type, cursor, row) for row in rows]
        return iter(entries)

    def stream(self, entry_type: type) -> Iterator[Entry]:
        # A connection of its own: the read stays consistent while the caller
        # takes its time, and the store's lock is not held between entries.
        conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            conn.execute("BEGIN")
            cursor = conn.execute(f"SELECT * FROM {entry_type.LIST} ORDER BY id")
            for row in cursor:
                yield _from_row(entry_type, cursor, row)
        except sqlite3.Error as error:
            raise StoreError(f"cannot read {entry_type.LIST} from {self.path}: {error}") from error
        finally:
            conn.close()

    def history(self, limit: int = 100) -> list[AuditRecord]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, at, actor, action, list, entry_id, reason, entry, list_version "
                "FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [
            AuditRecord(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), r[8])
            for r in rows
        ]

    def _audit(self, conn: sqlite3.Connection, at: datetime, change: Change, action: str, table: str,
               entry_id: int, details: dict) -> None:
        version = conn.execute("UPDATE list_version SET version = version + 1 RETURNING version").fetchone()[0]
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, list, entry_id, reason, entry, list_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (at.isoformat(), change.actor, action, table, entry_id, change.reason,
             json.dumps(details, ensure_ascii=False, sort_keys=True), version),
        )

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


@functools.cache
def _writer(entry_type: type) -> Callable[[Entry], list]:
    """What _to_row gives but the audit fields, as a list in _columns order,
    quicker: an import writes millions of entries."""
    names = [c for c in _columns(entry_type) if c not in ("id", *_AUDIT_COLUMNS)]
    fields = operator.attrgetter(*names)
    # A few categories, actions and scopes recur: each is written once.
    converters = _converters(entry_type)
    writes = [functools.lru_cache(maxsize=1024)(converters[n][0]) if n in converters else None for n in names]

    def write(entry: Entry) -> list:
        return [value if to_text is None else to_text(value) for value, to_text in zip(fields(entry), writes)]

    return write


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


def _columns(entry_type: type) -> tuple[str, ...]:
    fields = [f.name for f in dataclasses.fields(entry_type) if f.name != "audit"]
    return (*fields, *_AUDIT_COLUMNS)


def _converters(entry_type: type) -> dict:
    return {**_TEXT_COLUMNS, **_LIST_COLUMNS.get(entry_type.LIST, {})}


def _to_row(entry: Entry) -> dict:
    row = {}
    converters = _converters(type(entry))
    for f in dataclasses.fields(entry):
        value = getattr(entry, f.name)
        if f.name == "audit":
            row["created_at"] = value.created_at.isoformat() if value.created_at else ""
            row["created_by"] = value.created_by
            row["reason"] = value.reason
        elif f.name in converters:
            row[f.name] = converters[f.name][0](value)
        else:
            row[f.name] = value
    return row


def _from_row(entry_type: type, cursor: sqlite3.Cursor, row: tuple) -> Entry:
    values = dict(zip((d[0] for d in cursor.description), row))
    audit = Audit(datetime.fromisoformat(values.pop("created_at")), values.pop("created_by"), values.pop("reason"))
    for column, (_, read) in _converters(entry_type).items():
        if column in values:
            values[column] = read(values[column])
    return entry_type(audit=audit, **values)


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp()) if text else 0


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
