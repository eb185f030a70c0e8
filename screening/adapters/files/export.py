"""Blocklist exports: everything another system, or another of ours, needs to
import the list (imports.py reads them back).

CSV has the import columns first, then id, created_at and created_by for
information (imports ignore them). Cells a spreadsheet would run as a
formula are neutralized (adapters/files/spreadsheet.py).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from screening.adapters.files.columns import IMPORTS, INFORMATION
from screening.adapters.files.spreadsheet import neutralized
from screening.domain.entries import BlockEntry

IMPORT_COLUMNS = IMPORTS["blocklist"].columns
FORMATS = ("csv", "json")


def export_blocklist(entries: Iterable[BlockEntry], out: TextIO, fmt: str) -> int:
    """Write the entries as CSV or as a JSON array; returns how many."""
    rows = (_row(entry) for entry in entries)
    return _json(rows, out) if fmt == "json" else _csv(rows, out)


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
    columns = (*IMPORT_COLUMNS, *INFORMATION)
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
