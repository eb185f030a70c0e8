"""Copying the SQLite lists' database and decision log while the server serves.

SQLite's online backup API copies a database page by page. The source
connection holds one read transaction across all the steps, so the copy is one
consistent snapshot and is never restarted by the server's writes (without it
a busy decision log, written on every call, could restart the copy forever);
in WAL mode a reader blocks no writer, so calls go on being answered and list
changes go on being made while it runs. Between steps the copy yields.

Each copy is written to a temporary owner-only file beside its target, checked
(PRAGMA integrity_check; the lists' change log also as `screening audit
verify` checks it), then linked to its name, which fails rather than replace
a file that appeared meanwhile: a backup is there whole or not at all.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from screening.adapters.files.output_file import sync_folder
from screening.adapters.sqlite import connection
from screening.adapters.sqlite.migrations import Migration, bundled_migrations
from screening.adapters.sqlite.store import SqliteStore
from screening.service import audit
from screening.service.ports import StoreError

# Pages a step copies (4 KiB each): 4 MiB, then a pause to let others run.
STEP_PAGES = 1024
_PAUSE_SECONDS = 0.001


@dataclass(frozen=True)
class Backup:
    lists: Path
    decision_log: Path
    list_version: int
    change_log_entries: int
    decisions: int


def targets(target: Path, lists_source: Path, log_source: Path) -> tuple[Path, Path]:
    """Where the copies go: into a folder under the sources' own names, or
    `target` and its <stem>-decisions<suffix> beside it, the name the server
    looks for the decision log by default, so the pair serves as it is."""
    if target.is_dir():
        return target / lists_source.name, target / log_source.name
    return target, target.with_name(f"{target.stem}-decisions{target.suffix or '.db'}")


def back_up(lists_source: Path, log_source: Path, lists_target: Path, log_target: Path,
            audit_key: bytes | None = None) -> Backup:
    """Copy both databases, verified, to their targets; StoreError, and no
    file left behind, when a target exists or a copy fails or is damaged."""
    for path in (lists_target, log_target):
        if os.path.lexists(path):
            raise StoreError(f"{path} already exists; a backup never overwrites a file (remove it or choose another)")
    temporaries = []
    try:
        lists_copy = _copy(lists_source, lists_target, "SQLite database", bundled_migrations(), temporaries)
        log_copy = _copy(log_source, log_target, "decision log", bundled_migrations("decisions"), temporaries)
        version, entries = _verify_lists(lists_copy, audit_key)
        decisions = _count_decisions(log_copy)
        _publish(lists_copy, lists_target)
        try:
            _publish(log_copy, log_target)
        except BaseException:
            _remove(lists_target)  # both or neither: a lists copy alone would serve without its decisions
            raise
    finally:
        for path in temporaries:
            _remove(path)
    return Backup(lists_target, log_target, version, entries, decisions)


def _copy(source: Path, target: Path, what: str, migrations: list[Migration], temporaries: list[Path]) -> Path:
    """A checked copy of `source` in a temporary file beside `target`."""
    # Read-only, and refused unless its schema is this release's: a copy is of what this release serves.
    conn, _ = connection.open_database(source, "ro", what, migrations, (), 10)
    try:
        temporary = _create_private(target)
        temporaries.append(temporary)
        copy = sqlite3.connect(temporary, isolation_level=None)
        try:
            conn.execute("BEGIN")  # the snapshot every step reads (see the module's docstring)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            conn.backup(copy, pages=STEP_PAGES, sleep=_PAUSE_SECONDS)
            conn.execute("COMMIT")
            # A single file: a rollback journal, not WAL, so the copy needs no -wal or -shm beside it,
            # can be opened read-only anywhere and moved as one file (the server turns WAL back on).
            copy.execute("PRAGMA journal_mode=DELETE").fetchone()
            _check_integrity(copy, what, source)
        finally:
            copy.close()
    except sqlite3.Error as error:
        raise StoreError(f"cannot back up {what} {source} to {target}: {error}") from error
    except OSError as error:
        raise StoreError(f"cannot back up {what} {source} to {target}: {error.strerror}") from error
    finally:
        conn.close()
    return temporary


def _create_private(target: Path) -> Path:
    """A new, empty, owner-only file beside `target` (the copies hold personal data)."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(descriptor)
    return Path(temporary)


def _check_integrity(copy: sqlite3.Connection, what: str, source: Path) -> None:
    problems = [row[0] for row in copy.execute("PRAGMA integrity_check").fetchall()]
    if problems != ["ok"]:
        raise StoreError(f"the copy of {what} {source} is damaged: {'; '.join(problems[:5])}")


def _verify_lists(copy: Path, audit_key: bytes | None) -> tuple[int, int]:
    """The copy's list version and change log length, once its change log
    checks out and replays to its lists (`screening audit verify`)."""
    with SqliteStore(copy, mode="ro", audit_key=audit_key) as store:
        result = audit.verify(store, audit_key)
    if not result.ok:
        raise StoreError("the copy's change log does not verify: " + "; ".join(result.problems[:5]))
    return result.version, result.entries


def _count_decisions(copy: Path) -> int:
    conn = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM decisions").fetchone()[0]
    finally:
        conn.close()


def _publish(temporary: Path, target: Path) -> None:
    """Give the copy its name, durably; a hard link, unlike a rename, refuses
    to replace a file made at `target` since the check at the start."""
    with open(temporary, "rb") as written:
        os.fsync(written.fileno())
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise StoreError(f"{target} already exists; a backup never overwrites a file") from None
    except OSError as error:
        raise StoreError(f"cannot write {target}: {error.strerror}") from error
    sync_folder(target.parent)


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-journal")):
        try:
            os.unlink(leftover)
        except FileNotFoundError:
            pass

