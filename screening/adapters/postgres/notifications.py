"""Told of list changes: a connection of its own LISTENs for the NOTIFY
every change sends at commit (change_log.append), so a replica reloads at
once instead of at its next poll. Notifications are a hint, never the only
way: one sent while the connection is down is lost, and the reloader polls
the list version anyway."""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from psycopg import sql

from screening.adapters.postgres.change_log import CHANNEL
from screening.adapters.postgres.connection import connect, shown
from screening.service.ports import StoreError

log = logging.getLogger(__name__)

# A wait listens in slices this long, so that close() never waits for more.
_SLICE = 0.5


class Listener:
    def __init__(self, url: str):
        self._url = url
        self._lock = threading.Lock()  # one waiter at a time on the connection
        self._conn: psycopg.Connection | None = None
        self._schema = ""
        self._closed = threading.Event()

    def wait(self, timeout: float) -> bool:
        """True on a change of this schema's lists, False after `timeout`
        seconds; never raises. Without a working connection it just waits."""
        deadline = time.monotonic() + timeout
        with self._lock:
            conn = None if self._closed.is_set() else self._connection()
            if conn is not None and self._heard(conn, deadline):
                return True
        self._closed.wait(max(0.0, deadline - time.monotonic()))
        return False

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._drop()

    def _connection(self) -> psycopg.Connection | None:
        """The listening connection, opened on first use and after one broke."""
        if self._conn is None:
            try:
                conn = connect(self._url)
            except StoreError as error:
                log.debug("not listening for list changes: %s", error)
                return None
            try:
                self._schema = conn.execute("SELECT current_schema()").fetchone()[0]
                conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
            except psycopg.Error as error:
                log.debug("not listening for list changes at %s: %s", shown(self._url), error)
                conn.close()
                return None
            self._conn = conn
        return self._conn

    def _heard(self, conn: psycopg.Connection, deadline: float) -> bool:
        """True on a notification for this schema before the deadline; False
        at the deadline, on close, or when the connection broke (dropped:
        the next wait opens another)."""
        try:
            while not self._closed.is_set() and (remaining := deadline - time.monotonic()) > 0:
                for note in conn.notifies(timeout=min(remaining, _SLICE)):
                    _, _, schema = note.payload.partition(" ")
                    if note.channel == CHANNEL and schema == self._schema:
                        return True
        except psycopg.Error as error:
            log.info("lost the connection listening for list changes (%s); polling until it is back", error)
            self._drop()
        return False

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
