"""Bulk imports: a police blocklist, or a facility's approved contacts, from a file.

The file is read as a stream; every row is validated as the CLI's add does
(list_changes) and the valid ones are stored in batches in ONE transaction
(Store.import_entries). All or nothing by default: one invalid row and
nothing changes, with every invalid row named by its line. Only a batch of
rows is held at a time, however long the file.

Formats: CSV with a header line (comma or semicolon, whichever the header
uses) or, for the blocklist, plain text with one number or pattern a line
(a # starts a comment). Both are UTF-8 with or without a BOM; blank lines and
lines starting with # are skipped; line numbers are the file's own.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from screening import list_changes
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, Entry, WatchEntry, check_text
from screening.domain.errors import InvalidEntry
from screening.domain.policy import PolicySet
from screening.exports import IMPORT_COLUMNS, INFORMATION_COLUMNS, restored
from screening.store.base import Store

ALLOWLIST_COLUMNS = ("inmate_id", "number", "name", "relationship", "facility_id", "reason")
# Aliases are separated by "|" in one cell.
WATCHLIST_COLUMNS = ("name", "aliases", "category", "action", "reason", "scope")
# Line numbers a report keeps per kind of row left out; the counts are complete.
_SHOWN_LINES = 5
_NOT_UTF8 = "not UTF-8 text (save the file as UTF-8)"

# One row of a file: its line number, its values by column, what is wrong with it ("" = nothing yet).
_Record = tuple[int, dict[str, str], str]


@dataclass(frozen=True)
class Options:
    reason: str = ""  # the reason of every row without its own
    skip_invalid: bool = False
    dry_run: bool = False
    format: str = "auto"  # auto, csv or text


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
    """What a list's import files look like and how a row becomes an entry."""

    entry_type: type
    columns: tuple[str, ...]
    required: tuple[str, ...]
    text_column: str  # the one column of a plain text file; "" = CSV only
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


_KINDS = {
    "blocklist": _Kind(BlockEntry, IMPORT_COLUMNS, ("pattern",), "pattern", _blocked),
    "allowlist": _Kind(AllowlistEntry, ALLOWLIST_COLUMNS, ("inmate_id", "number", "name"), "", _approved),
    "watchlist": _Kind(WatchEntry, WATCHLIST_COLUMNS, ("name",), "", _watched),
}


def import_file(store: Store, policies: PolicySet, list_name: str, stream: BinaryIO, name: str, change: Change,
                options: Options, on_invalid: Callable[[int, str], None]) -> Report:
    """Import the file `name` read from `stream` into a list; on_invalid(line,
    problem) hears of every invalid row as it is read. Raises InvalidEntry
    for a file that cannot be read at all (bad header, UTF-16, no rows)."""
    kind = _KINDS[list_name]
    source = _Source(stream, name)
    fmt, records = _records(source, kind, options)
    report = Report(name, list_name, fmt)

    def on_duplicate(line: int, in_file: bool) -> None:
        (report.duplicates_in_file if in_file else report.already_present).add(line)

    def finish(added: int) -> dict | None:
        if not report.rows:
            raise InvalidEntry(f"{name}: no rows to import")
        report.sha256, report.added = source.sha256, added
        report.committed = not options.dry_run and (options.skip_invalid or not report.invalid.count)
        return _details(report, options, change) if report.committed else None

    entries = _entries(records, kind, policies, options.reason, report, on_invalid)
    store.import_entries(kind.entry_type, entries, change, on_duplicate, finish)
    return report


def _entries(records: Iterator[_Record], kind: _Kind, policies: PolicySet, default_reason: str, report: Report,
             on_invalid: Callable[[int, str], None]) -> Iterator[tuple[int, Entry, str]]:
    """The valid rows as (line, entry, reason); the invalid ones counted and reported."""
    for line, row, problem in records:
        report.rows += 1
        try:
            if problem:
                raise InvalidEntry(problem)
            entry = kind.build(policies, row)
            reason = check_text("reason", row.get("reason") or default_reason, list_changes.TEXT_LIMIT)
        except ValueError as error:  # InvalidEntry, or an enum's from_label
            report.invalid.add(line)
            on_invalid(line, str(error))
            continue
        yield line, entry, reason


def _details(report: Report, options: Options, change: Change) -> dict:
    """What the audit log keeps of an import."""
    return {
        "file": report.file, "sha256": report.sha256, "format": report.format, "rows": report.rows,
        "added": report.added, "duplicates_in_file": report.duplicates_in_file.count,
        "already_present": report.already_present.count, "invalid_skipped": report.invalid.count,
        "skip_invalid": options.skip_invalid, "reason": options.reason, "actor": change.actor,
    }


class _Source:
    """An import file's lines as read, with the SHA-256 of its bytes taken on the way."""

    def __init__(self, stream: BinaryIO, name: str):
        self.name, self._stream, self._digest = name, stream, hashlib.sha256()

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def lines(self) -> Iterator[tuple[int, str | None]]:
        """(line number, stripped text) of every line not blank or a # comment;
        the text is None for a line that is not UTF-8."""
        for number, raw in enumerate(self._stream, 1):
            self._digest.update(raw)
            if number == 1:
                if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise InvalidEntry(f"{self.name} is UTF-16 text; save it as UTF-8 (in Excel: CSV UTF-8)")
                raw = raw.removeprefix(codecs.BOM_UTF8)
            try:
                text = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                yield number, None
                continue
            if text and not text.startswith("#"):
                yield number, text


def _records(source: _Source, kind: _Kind, options: Options) -> tuple[str, Iterator[_Record]]:
    """The file's format and its rows. Reads the first line now, so a bad
    header is an error before anything is stored."""
    lines = source.lines()
    first = next(lines, None)
    if first is None:
        raise InvalidEntry(f"{source.name}: no rows to import")
    fmt = options.format
    if fmt == "auto":
        fmt = "csv" if not kind.text_column or _is_header(first[1], kind) else "text"
    if fmt == "csv":
        delimiter, header = _header(first, kind, options, source.name)
        return fmt, _csv_rows(lines, delimiter, header)
    if not kind.text_column:
        raise InvalidEntry(f"the {kind.entry_type.LIST} is imported from CSV only")
    if not options.reason:
        raise InvalidEntry(f"{source.name}: a text file has no reasons; give --reason")
    return fmt, _text_rows(itertools.chain([first], lines), kind.text_column)


def _is_header(text: str | None, kind: _Kind) -> bool:
    """A first line with a delimiter, or just the text column's name, begins a
    CSV file: a number or pattern has neither."""
    return text is not None and ("," in text or ";" in text or text.lower() == kind.text_column)


def _header(first: tuple[int, str | None], kind: _Kind, options: Options,
            name: str) -> tuple[str, list[str | None]]:
    """The delimiter, and the column of each field (None: ignored)."""
    line, text = first
    where = f"{name} line {line}"
    if text is None:
        raise InvalidEntry(f"{where}: the header is {_NOT_UTF8}")
    delimiter = ";" if text.count(";") > text.count(",") else ","
    try:
        names = [cell.strip().lower() for cell in _cells(text, delimiter)]
    except csv.Error as error:
        raise InvalidEntry(f"{where}: the header is not valid CSV: {error}") from None
    for position, column in enumerate(names, 1):
        if column not in kind.columns and column not in INFORMATION_COLUMNS:
            raise InvalidEntry(f"{where}: unknown column {column!r} (field {position} of the header); "
                               f"the columns are {', '.join(kind.columns)}")
        if names.count(column) > 1:
            raise InvalidEntry(f"{where}: column {column!r} appears twice in the header")
    missing = [column for column in kind.required if column not in names]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise InvalidEntry(f"{where}: the header has no {', '.join(missing)} column{plural}")
    if "reason" not in names and not options.reason:
        raise InvalidEntry(f"{where}: the header has no reason column; add one or give --reason")
    return delimiter, [column if column in kind.columns else None for column in names]


def _csv_rows(lines: Iterator[tuple[int, str | None]], delimiter: str, header: list[str | None]) -> Iterator[_Record]:
    empty = delimiter + " \t"
    for line, text in lines:
        if text is None:
            yield line, {}, _NOT_UTF8
            continue
        if not text.strip(empty):
            continue  # a spreadsheet's empty row: only delimiters
        try:
            cells = _cells(text, delimiter)
        except csv.Error as error:
            yield line, {}, f"not valid CSV: {error}"
            continue
        if len(cells) != len(header):
            yield line, {}, f"{len(cells)} fields where the header has {len(header)}"
            continue
        row = {column: cell.strip() for column, cell in zip(header, cells) if column}
        if "'" in text:
            row = {column: restored(value) for column, value in row.items()}
        yield line, row, ""


def _cells(text: str, delimiter: str) -> list[str]:
    """The fields of one line. Each line is read on its own: a stray quote
    cannot swallow the rest of the file. Without quotes, CSV is a split."""
    if '"' not in text:
        return text.split(delimiter)
    return next(csv.reader((text,), delimiter=delimiter, strict=True))


def _text_rows(lines: Iterator[tuple[int, str | None]], column: str) -> Iterator[_Record]:
    for line, text in lines:
        if text is None:
            yield line, {}, _NOT_UTF8
        else:
            yield line, {column: text.partition("#")[0].strip()}, ""
