"""Bulk imports: a police blocklist, a facility's approved contacts, a legal-aid
list of lawyers, from a file.

The file is read as a stream; every row is validated as the CLI's add does
(list_changes) and the valid ones are stored in batches in ONE transaction
(Store.import_entries). All or nothing by default: one invalid row and
nothing changes, with every invalid row named by its line. Only a batch of
rows is held at a time, however long the file.

The file itself is read by an adapter (adapters/files/import_files.py),
which hands over its rows as records: (line, values by column, problem).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from screening.service import list_changes
from screening.domain.breadth import too_broad
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, Entry, PrivilegedEntry, WatchEntry, check_text
from screening.domain.errors import InvalidEntry
from screening.domain.model import PrivilegedKind
from screening.domain.numbers import parse_list_number
from screening.domain.patterns import load_pattern
from screening.domain.policy import PolicySet
from screening.service.ports import Store

# Line numbers a report keeps per kind of row left out; the counts are complete.
_SHOWN_LINES = 5

# One row of a file: its line number, its values by column, what is wrong with it ("" = nothing yet).
Record = tuple[int, dict[str, str], str]


class ImportFile(Protocol):
    """An import file as an adapter reads it."""

    name: str
    format: str  # "csv" or "text"

    def records(self) -> Iterator[Record]:
        """The data rows, read lazily."""

    @property
    def sha256(self) -> str:
        """The digest of the bytes read so far (all of them, once records() is done)."""


@dataclass(frozen=True)
class Options:
    reason: str = ""  # the reason of every row without its own
    skip_invalid: bool = False
    dry_run: bool = False
    force: bool = False  # accept blocklist patterns broader than the minimum (domain/blocklist_rules.toml)


@dataclass
class Lines:
    """How many rows of one kind, and the first few of their line numbers."""

    count: int = 0
    first: list[int] = field(default_factory=list)

    def add(self, line: int) -> None:
        self.count += 1
        if len(self.first) < _SHOWN_LINES:
            self.first.append(line)


@dataclass
class Report:
    file: str
    list: str
    format: str
    sha256: str = ""
    rows: int = 0  # data rows, not the header, blank lines or comments
    added: int = 0  # or would be, when not committed
    duplicates_in_file: Lines = field(default_factory=Lines)
    already_present: Lines = field(default_factory=Lines)
    invalid: Lines = field(default_factory=Lines)
    committed: bool = False


@dataclass(frozen=True)
class _Kind:
    """How a row of a list's import file becomes an entry."""

    entry_type: type
    build: Callable[[PolicySet, dict[str, str]], Entry]


def _blocked(policies: PolicySet, row: dict[str, str]) -> Entry:
    return list_changes.block_entry(policies, row.get("pattern", ""), row.get("category", ""), row.get("action", ""),
                                    row.get("source", ""), row.get("scope", ""), row.get("expires_at", ""))


def _approved(policies: PolicySet, row: dict[str, str]) -> Entry:
    return list_changes.allowlist_entry(policies, row.get("inmate_id", ""), row.get("number", ""),
                                        row.get("name", ""), row.get("relationship", ""), row.get("facility_id", ""))


def _watched(policies: PolicySet, row: dict[str, str]) -> Entry:
    aliases = [a for a in row.get("aliases", "").split("|")]
    return list_changes.watch_entry(row.get("name", ""), aliases, row.get("category", ""), row.get("action", ""),
                                    row.get("scope", ""))


def _privileged(policies: PolicySet, row: dict[str, str]) -> Entry:
    """As `privileged add` builds it, cell by cell, so that an error names its column."""
    number = _cell("number", lambda: parse_list_number(row.get("number", ""), policies.default.region).e164)
    name = check_text("name", row.get("name", ""), list_changes.NAME_LIMIT)  # its error names the column
    kind = _cell("kind", lambda: PrivilegedKind.from_label(row.get("kind") or PrivilegedKind.OTHER.label))
    return PrivilegedEntry(number=number, name=name, kind=kind)


def _cell(column: str, read: Callable[[], object]):
    try:
        return read()
    except InvalidEntry as error:
        raise InvalidEntry(f"column {column}: {error}") from None


_KINDS = {
    "blocklist": _Kind(BlockEntry, _blocked),
    "allowlist": _Kind(AllowlistEntry, _approved),
    "privileged": _Kind(PrivilegedEntry, _privileged),
    "watchlist": _Kind(WatchEntry, _watched),
}


def import_file(store: Store, policies: PolicySet, list_name: str, source: ImportFile, change: Change,
                options: Options, on_invalid: Callable[[int, str], None]) -> Report:
    """Import a file into a list; on_invalid(line, problem) hears of every
    invalid row as it is read. Raises InvalidEntry for a file that cannot be
    read at all (bad header, UTF-16, no rows)."""
    kind = _KINDS[list_name]
    name = source.name
    records = source.records()
    report = Report(name, list_name, source.format)

    def on_duplicate(line: int, in_file: bool) -> None:
        (report.duplicates_in_file if in_file else report.already_present).add(line)

    def finish(added: int) -> dict | None:
        if not report.rows:
            raise InvalidEntry(f"{name}: no rows to import")
        report.sha256, report.added = source.sha256, added
        report.committed = not options.dry_run and (options.skip_invalid or not report.invalid.count)
        return _details(report, options, change) if report.committed else None

    entries = _entries(records, kind, policies, options, report, on_invalid)
    store.import_entries(kind.entry_type, entries, change, on_duplicate, finish)
    return report


def read_rows(policies: PolicySet, list_name: str, source: ImportFile, options: Options,
              on_invalid: Callable[[int, str], None]) -> tuple[Report, list[dict]]:
    """Read and validate a whole file without storing it: its report, and its
    valid rows as the file's columns would give them (a held import keeps
    them to import on approval; service/approvals.py). Privileged lists are
    small; a list of millions is never held so."""
    kind = _KINDS[list_name]
    report = Report(source.name, list_name, source.format)
    rows = [{"line": line, **_columns(entry), "reason": reason}
            for line, entry, reason in _entries(source.records(), kind, policies, options, report, on_invalid)]
    report.sha256, report.added = source.sha256, len(rows)
    if not report.rows:
        raise InvalidEntry(f"{source.name}: no rows to import")
    return report, rows


def _columns(entry: Entry) -> dict[str, str]:
    if isinstance(entry, PrivilegedEntry):
        return {"number": entry.number, "name": entry.name, "kind": entry.kind.label}
    raise InvalidEntry(f"a {entry.LIST} import is not held for approval")


def _entries(records: Iterator[Record], kind: _Kind, policies: PolicySet, options: Options, report: Report,
             on_invalid: Callable[[int, str], None]) -> Iterator[tuple[int, Entry, str]]:
    """The valid rows as (line, entry, reason); the invalid ones counted and reported."""
    for line, row, problem in records:
        report.rows += 1
        try:
            if problem:
                raise InvalidEntry(problem)
            entry = kind.build(policies, row)
            if isinstance(entry, BlockEntry) and not options.force:
                _narrow_enough(entry)
            reason = check_text("reason", row.get("reason") or options.reason, list_changes.TEXT_LIMIT)
        except ValueError as error:  # InvalidEntry, or an enum's from_label
            report.invalid.add(line)
            on_invalid(line, str(error))
            continue
        yield line, entry, reason


def _narrow_enough(entry: BlockEntry) -> None:
    if not entry.pattern[1:].isdigit() and (broad := too_broad(load_pattern(entry.pattern))):
        raise InvalidEntry(f"{broad}; import with --force to block it anyway")


def _details(report: Report, options: Options, change: Change) -> dict:
    """What the audit log keeps of an import."""
    return {
        "file": report.file, "sha256": report.sha256, "format": report.format, "rows": report.rows,
        "added": report.added, "duplicates_in_file": report.duplicates_in_file.count,
        "already_present": report.already_present.count, "invalid_skipped": report.invalid.count,
        "skip_invalid": options.skip_invalid, "reason": options.reason, "actor": change.actor,
    }
