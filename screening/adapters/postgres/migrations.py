"""Versioned migrations for PostgreSQL, safe when replicas start at once.

The files are schema/<component>/NNNN_name.sql ("lists", "decisions"). A
database already current is only read: a replica whose role may not change
the schema starts on it. One behind takes a transaction-scoped advisory
lock, so a second replica starting at the same moment waits, then finds the
work done; each migration commits with its row in schema_migrations, so a
database is always at exactly one version of each component.
"""

from __future__ import annotations

import psycopg

from screening.adapters.migration_files import Migration, bundled
from screening.adapters.postgres.connection import database_error
from screening.service.ports import StoreError

# pg_advisory_xact_lock's key for "screening migrates this database" (any
# fixed number; 0x5C4EE4 reads "screen").
_LOCK = 0x5C4EE4


def bundled_migrations(component: str) -> list[Migration]:
    return bundled("screening.adapters.postgres.schema", component)


def schema_version(conn: psycopg.Connection, component: str) -> int:
    if conn.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations WHERE component = %s",
                        (component,)).fetchone()[0]


def migrate(conn: psycopg.Connection, component: str, migrations: list[Migration] | None = None) -> list[int]:
    """Apply what the database lacks of a component; returns the versions
    applied. conn: an autocommit connection."""
    migrations = bundled_migrations(component) if migrations is None else migrations
    latest = migrations[-1].version if migrations else 0
    current = schema_version(conn, component)
    _refuse_newer(current, latest, component)
    if current == latest:
        return []
    applied = []
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (component text NOT NULL, "
                         "version integer NOT NULL, name text NOT NULL, "
                         "applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))")
        for migration in migrations:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
                if schema_version(conn, component) >= migration.version:
                    continue  # another replica applied it while this one waited
                conn.execute(migration.sql)
                conn.execute("INSERT INTO schema_migrations (component, version, name) VALUES (%s, %s, %s)",
                             (component, migration.version, migration.name))
            applied.append(migration.version)
    except psycopg.errors.InsufficientPrivilege as error:
        raise StoreError(f"the {component} schema is at version {current}, this release needs {latest}, and this "
                         f"role may not change it ({error.diag.message_primary}); run `screening init` as the "
                         "schema's owner (see the README's \"Running several replicas\")") from None
    except psycopg.Error as error:
        raise database_error(f"migrating the {component} schema", error) from None
    return applied


def check_current(conn: psycopg.Connection, component: str, migrations: list[Migration] | None = None) -> None:
    """For a connection that may not migrate: StoreError unless the schema is current."""
    migrations = bundled_migrations(component) if migrations is None else migrations
    latest = migrations[-1].version if migrations else 0
    current = schema_version(conn, component)
    _refuse_newer(current, latest, component)
    if current < latest:
        raise StoreError(f"the {component} schema is at version {current}, older than this release of screening "
                         f"({latest}); run `screening init` or start the server to upgrade it")


def _refuse_newer(current: int, latest: int, component: str) -> None:
    if current > latest:
        raise StoreError(f"the {component} schema is at version {current}, newer than this release of screening "
                         f"knows ({latest}); upgrade screening instead of opening it with this one")
