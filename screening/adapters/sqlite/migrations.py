"""Versioned schema migrations for the SQLite store.

Migrations are the numbered files in schema/lists/ and schema/decisions/ (NNNN_name.sql). Each
runs in its own transaction together with its row in schema_migrations, so a
database is always at exactly one version; an existing database is upgraded
in place on first open by a newer release (read-only connections cannot:
check_current refuses an older schema). A database newer than this code is
refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from screening.adapters.migration_files import Migration, bundled, load_migrations  # noqa: F401 (re-exported)
from screening.service.ports import StoreError


def bundled_migrations(folder: str = "lists") -> list[Migration]:
    """The migrations shipped for one database: "lists" or "decisions" (the decision log)."""
    return bundled("screening.adapters.sqlite.schema", folder)



def schema_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone()
    if not exists:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


def migrate(conn: sqlite3.Connection, migrations: list[Migration],
            upgrades: Mapping[int, Callable[[sqlite3.Connection], None]] | None = None) -> list[int]:
    """Apply the migrations the database lacks; returns the versions applied.
    upgrades[version], if any, runs after that migration's statements, in
    its transaction: the work SQL alone cannot do (hashing, say).

    The connection must be in autocommit mode (isolation_level=None).
    """
    applied = []
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    latest = migrations[-1].version if migrations else 0
    current = schema_version(conn)
    if current > latest:
        raise StoreError(_newer(current, latest))
    for migration in migrations:
        if migration.version <= current:
            continue
        # BEGIN IMMEDIATE takes the write lock first, so two processes starting
        # on a new database do not both apply a migration.
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) >= migration.version:
                conn.execute("ROLLBACK")
                continue
            for statement in _statements(migration.sql):
                conn.execute(statement)
            if upgrades and migration.version in upgrades:
                upgrades[migration.version](conn)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
            conn.execute("COMMIT")
        except BaseException as error:
            conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise StoreError(f"migration {migration.version:04d}_{migration.name} failed: {error}") from error
            raise
        applied.append(migration.version)
    return applied


def check_current(conn: sqlite3.Connection, migrations: list[Migration], path: object) -> None:
    """For a connection that may not migrate (a read-only one): StoreError
    unless the database is at the schema this code knows."""
    latest = migrations[-1].version if migrations else 0
    current = schema_version(conn)
    if current > latest:
        raise StoreError(f"{path}: {_newer(current, latest)}")
    if current < latest:
        raise StoreError(f"{path}: the database is at schema version {current}, older than this release of "
                         f"screening ({latest}); run 'screening init' or start the server to upgrade it")


def _newer(current: int, latest: int) -> str:
    return (f"the database is at schema version {current}, newer than this release of "
            f"screening knows ({latest}); upgrade screening instead of opening it with this one")


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (our files keep one statement per ';')."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(l.strip().startswith("--") or not l.strip() for l in buffer.splitlines()):
        raise StoreError(f"migration has an unterminated statement: {buffer.strip()[:60]!r}")
    return statements
