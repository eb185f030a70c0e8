"""How the CLI prints rows: an aligned table, CSV or JSON."""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections.abc import Sequence
from typing import TextIO

from screening.adapters.files.spreadsheet import neutralized

FORMATS = ("table", "csv", "json")


def print_rows(columns: Sequence[str], rows: list[dict], fmt: str, out: TextIO | None = None) -> None:
    out = out or sys.stdout  # looked up now: a test (or a caller) may have replaced it since import
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([neutralized(c, row[c]) for c in columns])
    else:
        _table(columns, rows, out)


def printable(value) -> str:
    """Control characters shown as '?' so a name cannot drive the terminal."""
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in str(value))


def _table(columns: Sequence[str], rows: list[dict], out: TextIO) -> None:
    cells = [[printable(row[c]) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    out.write("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip() + "\n")
    for r in cells:
        out.write("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() + "\n")
    if not rows:
        out.write("(no entries)\n")
