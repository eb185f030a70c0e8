"""`screening decisions list`: search the decision log; `screening decisions
show`: one decision explained (decision_show.py); `screening decisions
prune`: bound it, archiving first."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
import time
from datetime import datetime

from screening.cli import decision_show
from screening.cli.output import print_rows, printable
from screening.cli.progress import with_progress
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
    search = decisions.add_parser("list", parents=[parents.common],
                                  help="decisions that match every filter given, oldest first")
    search.add_argument("--number", help="a number in any form, or a pattern: +62812345*, 0812-3456-78??, A..B")
    search.add_argument("--inmate")
    search.add_argument("--facility")
    search.add_argument("--station")
    search.add_argument("--decision", help="allow, review or deny")
    search.add_argument("--reason", help="a finding's reason, e.g. blocked_number, velocity")
    search.add_argument("--entry", help="a list entry, e.g. blocklist:42: every attempt that hit it")
    search.add_argument("--source", help="a police report (a blocklist entry's source): every attempt that hit "
                                         "one of its entries")
    search.add_argument("--called-name", metavar="NAME",
                        help="the called party's name, however spelt: the names in the log like it "
                             "(Siti Nurhaliza finds Siti Nur Haliza, Sity Nurhalisa)")
    search.add_argument("--since", type=_moment, help="from this time on (ISO 8601, e.g. 2026-11-30 or 2026-11-30T08:00+07:00)")
    search.add_argument("--until", type=_moment, help="before this time (ISO 8601)")
    search.add_argument("--format", choices=("table", "csv", "json", "jsonl"), default="table")
    search.set_defaults(run=_list)
    decision_show.register(decisions, parents)


_SHOWN = ("time", "facility_id", "station_id", "inmate_id", "normalized_number", "called_party_name", "decision",
          "reasons", "call_id")


def _moment(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time (e.g. 2026-11-30T08:00+07:00)") from None
    return (moment if moment.tzinfo else moment.astimezone()).timestamp()


def _list(args, settings: Settings) -> None:
    from screening.bootstrap import decision_log_path, open_decision_log, shared_decision_log
    from screening.service.investigations import decision_query, search_decisions

    from screening.cli.stores import reading

    if not shared_decision_log(settings) and not (path := decision_log_path(settings)).exists():
        raise StoreError(f"no decision log at {path}")
    with (reading(settings) if args.source else contextlib.nullcontext() as store,
          open_decision_log(settings, mode="ro", answering=False) as decisions):
        query = decision_query(settings.policies().for_facility(args.facility or "").region,
                               number=args.number or "", decision=args.decision or "", reason=args.reason or "",
                               inmate=args.inmate or "", facility=args.facility or "", station=args.station or "",
                               entry=args.entry or "", source=args.source or "", called_name=args.called_name or "",
                               store=store, log=decisions, since=args.since, until=args.until)
        matching = with_progress(search_decisions(decisions, query))
        if args.format == "jsonl":  # streamed, a decision a line, whole
            for decision in matching:
                sys.stdout.write(json.dumps(decision, ensure_ascii=False) + "\n")
        elif args.format == "csv":  # streamed
            writer = csv.DictWriter(sys.stdout, _SHOWN, lineterminator="\n")
            writer.writeheader()
            writer.writerows(_csv_safe(_shown(decision)) for decision in matching)
        elif args.format == "json":
            print_rows(_SHOWN, list(matching), "json")
        else:
            print_rows(_SHOWN, [_shown(decision) for decision in matching], "table")


def _shown(decision: dict) -> dict:
    when = datetime.fromtimestamp(decision["at"]).astimezone().isoformat(timespec="seconds")
    return {**{c: decision.get(c, "") for c in _SHOWN}, "time": when,
            "reasons": " ".join(f["reason"].lower() for f in decision["findings"])}


def _csv_safe(row: dict) -> dict:
    from screening.adapters.files.spreadsheet import neutralized

    return {column: neutralized(column, value) for column, value in row.items()}


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
