"""How a report is written: as an aligned table, CSV (formula-guarded),
JSON, or for the links graph DOT and SVG; to stdout or to an owner-only
file that appears whole or not at all. Either way the report is audited in
the change log first: a report that cannot be audited is not given out."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from screening.adapters.files.output_file import private_output
from screening.cli.output import print_rows
from screening.service.reports import Report, Table

FORMATS = ("table", "csv", "json")


def rendered(report: Report, fmt: str) -> str:
    if fmt == "json":
        whole = {"report": report.name, "filters": shown_filters(report.filters),
                 "tables": {table.name: [_json_row(table, row) for row in table.rows] for table in report.tables},
                 "notes": {table.name: table.note for table in report.tables if table.note}}
        return json.dumps(whole, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    several = len(report.tables) > 1
    for number, table in enumerate(report.tables):
        if several:
            out.write(("\n" if number else "") + (f"== {table.name} ==\n" if fmt == "table" else f"{table.name}\n"))
        print_rows(table.columns, [_flat_row(table, row) for row in table.rows], fmt, out)
        if table.note and fmt == "table":
            out.write(f"note: {table.note}\n")
    return out.getvalue()


def emit(text: str, output: str | None, force: bool, audit: Callable[[], None]) -> None:
    """Audit, then give the report out: to `output` (created 0600, named only
    once written, synced and audited) or to stdout."""
    if output:
        with private_output(output, force) as out:
            out.write(text)
            audit()
        return
    audit()
    sys.stdout.write(text)


def moment(value: float | None) -> str:
    return "" if value is None else datetime.fromtimestamp(value).astimezone().isoformat(timespec="seconds")


def shown_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters given (times as ISO 8601), as the audit entry keeps them."""
    return {name: moment(value) if name in ("since", "until") else value
            for name, value in filters.items() if value not in (None, "", ())}


def _flat_row(table: Table, row: dict) -> dict:
    return {column: _flat(column, row[column]) for column in table.columns}


def _flat(column: str, value: Any) -> Any:
    if column.endswith("_at"):
        return moment(value)
    if isinstance(value, (list, tuple)):
        return "; ".join(str(item) for item in value)
    return value


def _json_row(table: Table, row: dict) -> dict:
    return {column: moment(row[column]) if column.endswith("_at") else row[column] for column in table.columns}
