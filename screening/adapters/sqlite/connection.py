"""Opening and closing the SQLite files of the store and the decision log.

A file is opened in one of SQLite's URI modes:

- "rwc": read-write, the file created when missing (the caller makes it
  owner-only first): the server and `screening init`.
- "rw": read-write, never created: a change to a mistyped path must fail, not
  fill a new database nobody serves.
- "ro": read-only: nothing is written, not even a pragma, so a user who may
  only read the files (an auditor) can run every command that reads.

A read-only connection to a WAL database needs the -wal and -shm files to be
there, or a folder it may write to create them. SQLite deletes both when the
last connection closes, so `close` keeps them (see there).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

from screening.adapters.sqlite.migrations import Migration, check_current, migrate
from screening.service.ports import StoreError

MODES = ("rwc", "rw", "ro")


def open_database(path: Path, mode: str, what: str, migrations: list[Migration], pragmas: tuple[str, ...],
                  timeout: float, upgrades: Mapping[int, Callable[[sqlite3.Connection], None]] | None = None,
                  ) -> tuple[sqlite3.Connection, list[int]]:
    """A connection to `path` in `mode` (the caller makes a "rwc" file
    owner-only first), in autocommit mode, usable from any thread, and the
    migrations applied. A writing one is put in WAL mode, given `pragmas` and
    migrated (upgrades: see migrate); a read-only one only checked: its
    schema must be current.
    StoreError, naming `what` and the path, when it cannot be opened."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if mode != "rwc" and not path.exists():
        raise StoreError(f"no {what} at {path}")
    if path.is_dir():  # SQLite would say "disk I/O error" or "unable to open database file"
        raise StoreError(f"cannot open {what} {path}: it is a folder")
    if mode != "ro" and path.exists() and not os.access(path, os.W_OK):
        # SQLite would open it read-only and fail at the first write, less clearly.
        raise StoreError(f"cannot change {what} {path}: this user may only read it")
    try:
        conn = sqlite3.connect(_uri(path, mode), uri=True, isolation_level=None, check_same_thread=False,
                               timeout=timeout)
    except sqlite3.Error as error:
        raise StoreError(_open_error(what, path, mode, error)) from error
    try:
        if mode == "ro":
            check_current(conn, migrations, path)
            return conn, []
        conn.execute("PRAGMA journal_mode=WAL")
        for pragma in pragmas:
            conn.execute(pragma)
        return conn, migrate(conn, migrations, upgrades)
    except BaseException as error:
        conn.close()
        if isinstance(error, sqlite3.Error):
            raise StoreError(_open_error(what, path, mode, error)) from error
        raise


def close(conn: sqlite3.Connection, path: Path, mode: str) -> None:
    """Close, leaving the -wal and -shm files for read-only users.

    The last connection to close a WAL database checkpoints it and deletes
    them. A read-only connection cannot checkpoint, so it deletes nothing: a
    writing connection checkpoints what it can without waiting (truncating
    the -wal when no one is reading), then closes while a read-only one holds
    the database, then that one closes. The data is in the database file
    either way; only the files stay."""
    if mode == "ro":
        conn.close()
        return
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        keeper = sqlite3.connect(_uri(path, "ro"), uri=True, isolation_level=None)
        try:
            keeper.execute("BEGIN")
            keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()
            conn.close()
        finally:
            keeper.close()
    except sqlite3.Error:
        pass  # the files only help read-only users; nothing is lost without them
    finally:
        conn.close()


def _open_error(what: str, path: Path, mode: str, error: sqlite3.Error) -> str:
    """Why `path` could not be opened, and for a read-only user what it lacks."""
    name = getattr(error, "sqlite_errorname", "")
    if mode == "ro" and name == "SQLITE_READONLY_DIRECTORY":
        return (f"cannot open {what} {path}: its -wal and -shm files are missing and this user may not create them; "
                "have its owner run 'screening init' on it (they are kept from then on)")
    if mode == "ro" and name.startswith("SQLITE_CANTOPEN"):
        return (f"cannot open {what} {path}: {error} (reading needs read permission on it and on its -wal and -shm "
                f"files, and search permission on its folder)")
    return f"cannot open {what} {path}: {error}"


def _uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"
