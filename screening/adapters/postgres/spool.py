"""The local spool: decisions answered while the database was away, durable
on this machine until they are replayed into it.

One append-only file of JSON lines, {"spooled_at": Unix time, "row": [...]}
with the row as adapters/decision_rows.py makes it (a privileged call has no
number here either), owner-only like the SQLite files (it names the numbers
inmates dialed), fsync'd once per batch before the batch is answered. It is
removed once every line in it has been committed to the database; a crash
before that replays some lines twice, which the insert's ON CONFLICT makes
harmless.

A lock file beside it (held with flock for as long as the log is open) keeps
two processes from writing into one spool.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import logging
import os
import stat
import threading
from collections import deque
from pathlib import Path

from screening.service.ports import StoreError

log = logging.getLogger(__name__)


class Spool:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        # Lines as written (a third of a row's size as a tuple), decoded when read.
        self._lines: deque[tuple[float, tuple[str, str], bytes]] = deque()  # (spooled_at, key, line), oldest first
        self._index: dict[tuple[str, str], bytes] = {}  # (facility_id, call_id) -> line
        self._bytes = 0
        _private_folder(self.path.parent)
        self._lock_file = _hold_lock(self.path)
        try:
            self._load()
        except BaseException:
            os.close(self._lock_file)
            raise

    def close(self) -> None:
        os.close(self._lock_file)

    # What find, append and health read, from any thread.

    def get(self, key: tuple[str, str]) -> tuple | None:
        with self._lock:
            line = self._index.get(key)
        return None if line is None else _row(line)

    @property
    def count(self) -> int:
        return len(self._lines)

    @property
    def size(self) -> int:
        return self._bytes

    @property
    def oldest(self) -> float | None:
        with self._lock:
            return self._lines[0][0] if self._lines else None

    # What the writer thread alone does.

    def append(self, rows: list[tuple], now: float) -> None:
        """Write rows durably (OSError when it cannot: nothing is kept then)."""
        lines = [json.dumps({"spooled_at": now, "row": list(row)}, ensure_ascii=False).encode() + b"\n"
                 for row in rows]
        data = b"".join(lines)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            before = os.fstat(fd).st_size
            try:
                _write_all(fd, data)
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, before)  # no torn line in front of the next batch
                raise
        finally:
            os.close(fd)
        if created:
            _fsync_folder(self.path.parent)  # the file itself must survive a power cut, not just its data
        with self._lock:
            for row, line in zip(rows, lines, strict=True):
                self._lines.append((now, (row[0], row[1]), line))
                self._index[(row[0], row[1])] = line
            self._bytes = before + len(data)

    def peek(self, count: int) -> list[tuple]:
        """The oldest `count` rows, still kept."""
        with self._lock:
            lines = [line for _, _, line in itertools.islice(self._lines, count)]
        return [_row(line) for line in lines]

    def committed(self, count: int) -> None:
        """The oldest `count` rows are in the database now; the file goes once
        all of it is (until then a crash replays those rows again)."""
        with self._lock:
            for _ in range(count):
                _, key, _ = self._lines.popleft()
                self._index.pop(key, None)
            if self._lines:
                return
            self._bytes = 0
        try:
            self.path.unlink()
            _fsync_folder(self.path.parent)
        except FileNotFoundError:
            pass

    def _load(self) -> None:
        """Read a spool left by a process that stopped before replaying it."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        _require_private(self.path)
        good = 0
        for number, line in enumerate(data.splitlines(keepends=True), 1):
            try:
                if not line.endswith(b"\n"):
                    raise ValueError("no end of line")
                entry = json.loads(line)
                spooled_at, row = float(entry["spooled_at"]), tuple(entry["row"])
            except (ValueError, KeyError, TypeError) as error:
                if good + len(line) < len(data):
                    raise StoreError(f"the decision spool {self.path} is damaged at line {number} ({error}); "
                                     "move it aside and start again (each line is a decision as JSON, for "
                                     "inserting the readable ones by hand)") from None
                # A batch torn by a crash was never answered (its fsync had not returned): drop it.
                log.warning("decision spool %s: dropping an unfinished last line (%d bytes) left by a crash",
                            self.path, len(line))
                os.truncate(self.path, good)
                break
            self._lines.append((spooled_at, (row[0], row[1]), line))
            self._index[(row[0], row[1])] = line
            good += len(line)
        self._bytes = good
        if self._lines:
            log.warning("decision spool %s: %d decisions from an earlier run wait for the database",
                        self.path, len(self._lines))
        else:
            self.path.unlink()


def _row(line: bytes) -> tuple:
    return tuple(json.loads(line)["row"])


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _private_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise StoreError(f"cannot create the decision spool's folder {folder}: {error.strerror}") from None
    if stat.S_IMODE(folder.stat().st_mode) & 0o077:
        # Not ours to change (it may be a shared state folder): the files in it are 0600 all the same.
        log.warning("the decision spool's folder %s is open to other users; make it 0700", folder)


def _require_private(path: Path) -> None:
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        log.warning("decision spool %s was open to other users; made it 0600", path)
        os.chmod(path, 0o600)


def _hold_lock(spool: Path) -> int:
    lock = spool.with_name(spool.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise StoreError(f"cannot open the decision spool's lock {lock}: {error.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreError(f"the decision spool {spool} is in use by another process; "
                         "give each replica a spool of its own") from None
    return fd
