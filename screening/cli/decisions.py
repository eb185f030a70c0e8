"""`screening decisions prune`: bound the decision log, archiving first."""

from __future__ import annotations

import argparse
import contextlib
import time
from datetime import datetime

from screening.cli.output import printable
from screening.cli.parser import Parents, group
from screening.config import Settings, check_retention
from screening.service.ports import StoreError


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    decisions = group(commands, "decisions", "the decision log")
    prune = decisions.add_parser("prune", parents=[parents.common], help="delete old decisions, archiving them first")
    prune.add_argument("--older-than-days", type=int, required=True, metavar="DAYS",
                       help="delete the decisions made more than DAYS days ago")
    prune.add_argument("--archive", metavar="FILE", help="first write them to FILE (JSON Lines, a new file)")
    prune.add_argument("--dry-run", action="store_true", help="count them; delete nothing")
    prune.set_defaults(run=_prune)


def _prune(args, settings: Settings) -> None:
    from screening.adapters.files.archive import JsonlArchive
    from screening.bootstrap import decision_log_path, open_decision_log, shared_decision_log

    check_retention("--older-than-days", args.older_than_days, settings.policies())
    if not shared_decision_log(settings) and not (path := decision_log_path(settings)).exists():
        raise StoreError(f"no decision log at {path}")
    before = time.time() - args.older_than_days * 86400
    when = datetime.fromtimestamp(before).astimezone().isoformat(timespec="seconds")
    with open_decision_log(settings, mode="ro" if args.dry_run else "rw", answering=False) as decisions:
        if args.dry_run:
            print(f"would delete {decisions.count_before(before)} decisions made before {when}")
            return
        archive = JsonlArchive(args.archive) if args.archive else None
        with archive or contextlib.nullcontext():
            count = decisions.prune(before, archive)
    kept = f", archived to {printable(args.archive)}" if archive else ""
    print(f"deleted {count} decisions made before {when}{kept}")
