"""Adapters that keep the lists: SQLite now, PostgreSQL later."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from screening.service.ports import Store, StoreError


def open_store(database: str, mode: str = "rwc", audit_key: bytes | None = None) -> Store:
    """A store for a database setting: a file path or a URL.

    "screening.db", "/var/lib/screening/screening.db",
    "sqlite:////var/lib/screening/screening.db" (absolute: four slashes) and
    "sqlite:///screening.db" (relative to the working folder) all open a
    SQLite file. mode: "rwc" creates it when missing, "rw" never does, "ro"
    only reads (see adapters/sqlite/connection.py). audit_key: the change
    log's HMAC key, for a store that changes lists.
    """
    from screening.adapters.sqlite.store import SqliteStore

    return SqliteStore(sqlite_path(database), mode=mode, audit_key=audit_key)


def sqlite_path(database: str) -> str:
    """The SQLite file a database setting names; StoreError for anything else."""
    if not database or not database.strip():
        raise StoreError("no database given (--database, SCREENING_DATABASE or `database` in the config file)")
    scheme = urlsplit(database).scheme if "://" in database else ""
    if scheme == "":
        return database
    if scheme == "file":
        return unquote(urlsplit(database).path)
    if scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy reads them.
        if not database.startswith("sqlite:///"):
            raise StoreError(f"{database!r}: a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path")
        return unquote(database[len("sqlite:///"):])
    if scheme in ("postgres", "postgresql"):
        raise StoreError("PostgreSQL is not supported yet; use a SQLite file path")
    raise StoreError(f"unknown database URL scheme {scheme!r}; give a file path or sqlite:///path")


def is_postgres_url(database: str) -> bool:
    """Whether a database setting names PostgreSQL (postgresql:// or postgres://)."""
    return "://" in database and urlsplit(database).scheme in ("postgres", "postgresql")
