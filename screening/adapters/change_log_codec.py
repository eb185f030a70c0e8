"""The change log as the SQL backends store it, whatever their SQL: an
entry's columns (records as canonical JSON text, so that hashes match byte
for byte across backends), the rows of imports and baselines as
zlib-compressed chunks of canonical lines, and what a list version's
changes since another are (Store.read_changes)."""

from __future__ import annotations

import json
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

from screening.domain.changelog import ACCESS_ACTIONS, LogEntry, RowsDigest
from screening.domain.records import Record
from screening.domain.snapshots import LISTS, Delta, ListChange, snapshot_row

COLUMNS = ("version", "at", "actor", "reason", "action", "list", "entry_id", "before", "after", "details", "rows",
           "rows_sha256", "prev_hash", "hash", "mac")
# An allowlist number's current approvals: (inmate, registered name) each.
Approvals = dict[str, tuple[tuple[str, str], ...]]


class RowsWriter(ABC):
    """The rows of one import or baseline, written a chunk at a time as they come."""

    def __init__(self, version: int):
        self.version, self._chunk = version, 0
        self.digest = RowsDigest()

    def write(self, records: Iterable[Record]) -> None:
        before = self.digest.count
        data = b"".join(self.digest.line(record) for record in records)
        if self.digest.count > before:
            self._insert(self._chunk, self.digest.count - before, zlib.compress(data))
            self._chunk += 1

    @abstractmethod
    def _insert(self, chunk: int, rows: int, data: bytes) -> None:
        """Store one chunk in change_rows, in the change's transaction."""


def with_rows(entry: LogEntry, rows: RowsWriter) -> LogEntry:
    return replace(entry, rows=rows.digest.count, rows_sha256=rows.digest.hexdigest())


def now() -> str:
    return datetime.now(UTC).isoformat()


def row_of(entry: LogEntry) -> tuple:
    """An entry as change_log's COLUMNS hold it."""
    return (entry.version, entry.at, entry.actor, entry.reason, entry.action, entry.list, entry.entry_id,
            _json(entry.before), _json(entry.after), json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
            entry.rows, entry.rows_sha256, entry.prev_hash, entry.hash, entry.mac)


def entry_of(row: tuple) -> LogEntry:
    (version, at, actor, reason, action, list_name, entry_id, before, after, details, rows, rows_sha256, prev_hash,
     entry_hash, mac) = row
    return LogEntry(version, at, actor, reason, action, list_name, entry_id,
                    json.loads(before) if before else None, json.loads(after) if after else None,
                    json.loads(details), rows, rows_sha256, prev_hash, entry_hash, mac)


def lines_of(data: bytes) -> bytes:
    """A stored chunk's lines."""
    return zlib.decompress(data)


def records_of(lines: bytes) -> Iterator[Record]:
    for line in lines.splitlines():
        yield json.loads(line)


def delta(version: int, found: list[LogEntry], since: int, max_rows: int,
          rows_of: Callable[[int], Iterable[Record]], approvals: Callable[[set[str]], Approvals]) -> Delta | None:
    """What changed after version `since` up to `version`, from the entries
    `found` after it (Store.read_changes); rows_of(version) reads an import's
    rows, approvals(numbers) those numbers' current approvals."""
    explained = [entry.version for entry in found] == list(range(since + 1, version + 1))
    if not explained or sum(max(entry.rows, 1) for entry in found) > max_rows or any(
            entry.action == "baseline" for entry in found):
        return None  # the lists changed in a way only a whole load shows, or a large way
    changes = tuple(_changes(found, rows_of))
    numbers = {row[3] for c in changes if c.list == "allowlist" for row in (c.before, c.after) if row}
    return Delta(version, changes, approvals(numbers))


def approvals_of(numbers: set[str], rows: Iterable[tuple[str, str, str]]) -> Approvals:
    """Each number's approvals from (number, inmate, name) rows, in their order."""
    found: dict[str, list[tuple[str, str]]] = {number: [] for number in numbers}
    for number, inmate, name in rows:
        found[number].append((inmate, name))
    return {number: tuple(approvals) for number, approvals in found.items()}


def _changes(entries: list[LogEntry], rows_of: Callable[[int], Iterable[Record]]) -> Iterator[ListChange]:
    for entry in entries:
        if entry.list not in LISTS:  # the hot numbers (alerts): versioned and logged, not the engine's
            continue
        if entry.action == "import":
            for record in rows_of(entry.version):
                yield ListChange(entry.list, record["id"], None, snapshot_row(entry.list, record))
        elif not entry.details.get("legacy") and entry.action not in ACCESS_ACTIONS:
            # A report's entry changes no list: its version passes with nothing to apply.
            yield ListChange(entry.list, entry.entry_id,
                             snapshot_row(entry.list, entry.before) if entry.before else None,
                             snapshot_row(entry.list, entry.after) if entry.after else None)


def _json(record: Record | None) -> str:
    return "" if record is None else json.dumps(record, ensure_ascii=False, sort_keys=True)
