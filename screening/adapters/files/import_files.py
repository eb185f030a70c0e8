"""Import files as staff and the police send them, read as a stream.

CSV with a header line (comma or semicolon, whichever the header uses) or,
for the blocklist, plain text with one number or pattern a line (a # starts
a comment). Both are UTF-8 with or without a BOM; blank lines and lines
starting with # are skipped; line numbers are the file's own. Cells an
export neutralized for spreadsheets come back as they were.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
from collections.abc import Iterator
from typing import BinaryIO

from screening.adapters.files.columns import IMPORTS, INFORMATION, FileColumns
from screening.adapters.files.spreadsheet import restored
from screening.domain.errors import InvalidEntry
from screening.service.imports import Record

_NOT_UTF8 = "not UTF-8 text (save the file as UTF-8)"


class ImportFile:
    """One import file of a list (service.imports.ImportFile). Reads the first
    line at once, so a bad header is an error before anything is stored."""

    def __init__(self, stream: BinaryIO, name: str, list_name: str, fmt: str = "auto", default_reason: bool = False):
        self.name = name
        self._source = _Source(stream, name)
        self.format, self._records = _records(self._source, IMPORTS[list_name], list_name, fmt, default_reason)

    @property
    def sha256(self) -> str:
        return self._source.sha256

    @property
    def position(self) -> int:
        """How many bytes of the file have been read (for a progress line)."""
        return self._source.position

    def records(self) -> Iterator[Record]:
        return self._records


class _Source:
    """An import file's lines as read, with the SHA-256 of its bytes taken on the way."""

    def __init__(self, stream: BinaryIO, name: str):
        self.name, self._stream, self._digest = name, stream, hashlib.sha256()
        self.position = 0

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def lines(self) -> Iterator[tuple[int, str | None]]:
        """(line number, stripped text) of every line not blank or a # comment;
        the text is None for a line that is not UTF-8."""
        for number, raw in enumerate(self._stream, 1):
            self._digest.update(raw)
            self.position += len(raw)
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


def _records(source: _Source, kind: FileColumns, list_name: str, fmt: str,
             default_reason: bool) -> tuple[str, Iterator[Record]]:
    """The file's format and its rows. Reads the first line now."""
    lines = source.lines()
    first = next(lines, None)
    if first is None:
        raise InvalidEntry(f"{source.name}: no rows to import")
    if fmt == "auto":
        fmt = "csv" if not kind.text_column or _is_header(first[1], kind) else "text"
    if fmt == "csv":
        delimiter, header = _header(first, kind, default_reason, source.name)
        return fmt, _csv_rows(lines, delimiter, header)
    if not kind.text_column:
        raise InvalidEntry(f"the {list_name} is imported from CSV only")
    if not default_reason:
        raise InvalidEntry(f"{source.name}: a text file has no reasons; give --reason")
    return fmt, _text_rows(itertools.chain([first], lines), kind.text_column)


def _is_header(text: str | None, kind: FileColumns) -> bool:
    """A first line with a delimiter, or just the text column's name, begins a
    CSV file: a number or pattern has neither."""
    return text is not None and ("," in text or ";" in text or text.lower() == kind.text_column)


def _header(first: tuple[int, str | None], kind: FileColumns, default_reason: bool,
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
        if column not in kind.columns and column not in INFORMATION:
            raise InvalidEntry(f"{where}: unknown column {column!r} (field {position} of the header); "
                               f"the columns are {', '.join(kind.columns)}")
        if names.count(column) > 1:
            raise InvalidEntry(f"{where}: column {column!r} appears twice in the header")
    missing = [column for column in kind.required if column not in names]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise InvalidEntry(f"{where}: the header has no {', '.join(missing)} column{plural}")
    if "reason" not in names and not default_reason:
        raise InvalidEntry(f"{where}: the header has no reason column; add one or give --reason")
    return delimiter, [column if column in kind.columns else None for column in names]


def _csv_rows(lines: Iterator[tuple[int, str | None]], delimiter: str, header: list[str | None]) -> Iterator[Record]:
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


def _text_rows(lines: Iterator[tuple[int, str | None]], column: str) -> Iterator[Record]:
    for line, text in lines:
        if text is None:
            yield line, {}, _NOT_UTF8
        else:
            yield line, {column: text.partition("#")[0].strip()}, ""
