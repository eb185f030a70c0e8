"""Adapters that keep the lists: SQLite now, PostgreSQL later."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from screening.store.base import Store, StoreError


def open_store(database: str) -> Store:
    """A store for a database setting: a file path or a URL.

    "screening.db", "/var/lib/screening/screening.db" and
    "sqlite:///var/lib/screening/screening.db" all open a SQLite file.
    """
    if not database or not database.strip():
        raise StoreError("no database given (--database, SCREENING_DATABASE or `database` in the config file)")
    scheme = urlsplit(database).scheme if "://" in database else ""
    if scheme in ("", "file"):
        from screening.store.sqlite import SqliteStore

        path = urlsplit(database).path if scheme else database
        return SqliteStore(unquote(path) if scheme else path)
    if scheme == "sqlite":
        from screening.store.sqlite import SqliteStore

        # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy reads them.
        return SqliteStore(unquote(database[len("sqlite:///"):]) if database.startswith("sqlite:///")
                           else _bad_sqlite_url(database))
    if scheme in ("postgres", "postgresql"):
        raise StoreError("PostgreSQL is not supported yet; use a SQLite file path")
    raise StoreError(f"unknown database URL scheme {scheme!r}; give a file path or sqlite:///path")


def _bad_sqlite_url(database: str):
    raise StoreError(f"{database!r}: a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path")
