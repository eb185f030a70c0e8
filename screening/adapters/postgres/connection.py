"""Connections to PostgreSQL: URLs, one-off connections and pools, with
psycopg's errors turned into StoreError messages that name the server
(never its password)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool

from screening.service.ports import StoreError

SCHEMES = ("postgres", "postgresql")
CONNECT_TIMEOUT = 5  # seconds: a replica that cannot reach the database says so soon
APPLICATION = "screening"


def is_postgres_url(database: str) -> bool:
    return "://" in database and urlsplit(database).scheme in SCHEMES


def shown(url: str) -> str:
    """The URL as it may appear in messages and logs: no password."""
    parts = urlsplit(url)
    if parts.password is None:
        return urlunsplit(parts._replace(query=""))
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc, query=""))


def connect(url: str, *, autocommit: bool = True, read_only: bool = False) -> psycopg.Connection:
    """One connection of its own (migrations, LISTEN, a writer thread)."""
    try:
        conn = psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT,
                               application_name=APPLICATION)
    except psycopg.Error as error:
        raise StoreError(f"cannot connect to PostgreSQL at {shown(url)}: {_message(error)}") from None
    if read_only:
        conn.read_only = True
    return conn


def pool(url: str, name: str, *, min_size: int = 1, max_size: int = 4, read_only: bool = False,
         timeout: float = 10.0) -> ConnectionPool:
    """A pool of autocommit connections; waits for the first one so that a
    wrong URL or an unreachable server fails now, by name. Connections the
    server dropped are replaced by the pool, with backoff."""

    def configure(conn: psycopg.Connection) -> None:
        if read_only:
            conn.read_only = True

    opened = ConnectionPool(url, min_size=min_size, max_size=max_size, name=name, open=False, timeout=timeout,
                            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT,
                                    "application_name": APPLICATION},
                            configure=configure, reconnect_timeout=0)
    try:
        opened.open(wait=True, timeout=timeout)
    except Exception as error:  # PoolTimeout hides the cause: connect once to name it
        opened.close()
        connect(url).close()
        raise StoreError(f"cannot connect to PostgreSQL at {shown(url)}: {error}") from None
    return opened


def database_error(what: str, error: psycopg.Error) -> StoreError:
    """A StoreError for a failed statement, naming what was being done."""
    return StoreError(f"database error while {what}: {_message(error)}")


def _message(error: psycopg.Error) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
