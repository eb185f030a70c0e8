"""Connections to PostgreSQL: URLs, one-off connections and pools, with
psycopg's errors turned into StoreError messages that name the server
(never its password)."""

from __future__ import annotations

import psycopg
from psycopg_pool import ConnectionPool

from screening.adapters.postgres.urls import shown
from screening.service.ports import StoreError

CONNECT_TIMEOUT = 5  # seconds: a replica that cannot reach the database says so soon
APPLICATION = "screening"


def connect(url: str, *, autocommit: bool = True, read_only: bool = False) -> psycopg.Connection:
    """One connection of its own (migrations, LISTEN, a writer thread)."""
    try:
        conn = psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT,
                               application_name=APPLICATION)
    except psycopg.Error as error:
        raise StoreError(f"cannot connect to PostgreSQL at {shown(url)}: {message(error)}") from None
    if read_only:
        conn.read_only = True
    return conn


def pool(url: str, name: str, *, min_size: int = 1, max_size: int = 4, read_only: bool = False,
         timeout: float = 10.0, check: bool = False) -> ConnectionPool:
    """A pool of autocommit connections; waits for the first one so that a
    wrong URL or an unreachable server fails now, by name. Connections the
    server dropped are replaced by the pool, with backoff. check: each
    connection is tried (a round trip) before it is handed out, so that the
    first statement after a server restart does not fail on a dead one."""

    def configure(conn: psycopg.Connection) -> None:
        if read_only:
            conn.read_only = True

    opened = ConnectionPool(url, min_size=min_size, max_size=max_size, name=name, open=False, timeout=timeout,
                            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT,
                                    "application_name": APPLICATION},
                            configure=configure, reconnect_timeout=0,
                            check=ConnectionPool.check_connection if check else None)
    try:
        opened.open(wait=True, timeout=timeout)
    except Exception as error:  # PoolTimeout hides the cause: connect once to name it
        opened.close()
        connect(url).close()
        raise StoreError(f"cannot connect to PostgreSQL at {shown(url)}: {error}") from None
    return opened


def database_error(what: str, error: psycopg.Error) -> StoreError:
    """A StoreError for a failed statement, naming what was being done."""
    return StoreError(f"database error while {what}: {message(error)}")


def message(error: psycopg.Error) -> str:
    """The first line of psycopg's message: the server's own words."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
