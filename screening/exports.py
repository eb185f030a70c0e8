"""Blocklist exports: everything another system, or another of ours, needs to
import the list (imports.py reads them back).

CSV has the import columns first, then id, created_at and created_by for
information (imports ignore them). A cell a spreadsheet would run as a
formula gets a leading ', except a canonical pattern: it must stay
importable, and a "+" followed by digits runs nothing.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from typing import TextIO

from screening.domain.entries import BlockEntry

IMPORT_COLUMNS = ("pattern", "category", "action", "reason", "source", "expires_at", "scope")
INFORMATION_COLUMNS = ("id", "created_at", "created_by")
FORMATS = ("csv", "json")
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The patterns parse_pattern writes: exact, prefix, wildcard, range.
_CANONICAL_PATTERN = re.compile(r"\+[0-9]+(\*|\?+|\.\.\+[0-9]+)?")


def export_blocklist(entries: Iterable[BlockEntry], out: TextIO, fmt: str) -> int:
    """Write the entries as CSV or as a JSON array; returns how many."""
    rows = (_row(entry) for entry in entries)
    return _json(rows, out) if fmt == "json" else _csv(rows, out)


def neutralized(column: str, value: str) -> str:
    """The cell as a spreadsheet can open it without running anything."""
    if column == "pattern" and _CANONICAL_PATTERN.fullmatch(value):
        return value
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def restored(value: str) -> str:
    """A cell as it was before neutralized() (an import reads exports)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS) else value


def _row(entry: BlockEntry) -> dict:
    return {
        "pattern": entry.pattern,
        "category": entry.category.label,
        "action": entry.action.label,
        "reason": entry.audit.reason,
        "source": entry.source,
        "expires_at": entry.expires_at.isoformat() if entry.expires_at else "",
        "scope": str(entry.scope),
        "id": entry.id,
        "created_at": entry.audit.created_at.isoformat() if entry.audit.created_at else "",
        "created_by": entry.audit.created_by,
    }


def _csv(rows: Iterable[dict], out: TextIO) -> int:
    columns = (*IMPORT_COLUMNS, *INFORMATION_COLUMNS)
    # CRLF, as RFC 4180 has it: with it, a cell holding a lone CR is quoted too.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for count, row in enumerate(rows, 1):
        writer.writerow([neutralized(c, str(row[c])) for c in columns])
    return count


def _json(rows: Iterable[dict], out: TextIO) -> int:
    """A JSON array, written row by row: nothing holds the whole text."""
    out.write("[")
    count = 0
    for count, row in enumerate(rows, 1):
        out.write(",\n  " if count > 1 else "\n  ")
        json.dump(row, out, ensure_ascii=False)
    out.write("\n]\n" if count else "]\n")
    return count
