"""`screening history`: the audit log of list changes."""

from __future__ import annotations

import argparse
import dataclasses
import json

from screening.cli import stores
from screening.cli.output import print_rows
from screening.cli.parser import Parents
from screening.config import Settings

_COLUMNS = ("id", "at", "actor", "action", "list", "entry_id", "list_version", "reason", "entry")


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    history = commands.add_parser("history", parents=[parents.common, parents.listing],
                                  help="show the audit log of list changes")
    history.add_argument("--limit", type=int, default=50)
    history.set_defaults(run=_history)


def _history(args, settings: Settings) -> None:
    with stores.reading(settings) as store:
        records = store.history(args.limit)
    rows = [dataclasses.asdict(r) | {"at": r.at.isoformat(timespec="seconds"),
                                     "entry": json.dumps(r.entry, ensure_ascii=False, sort_keys=True)}
            for r in records]
    print_rows(_COLUMNS, rows, args.format)
