"""`screening alerts add|remove|list`: hot numbers, the numbers, patterns,
inmates and watchlist entries whose every attempt is an alert on the
monitoring feed (WatchDecisions), whatever its decision.

A rule names its target with one of --number, --pattern, --inmate or
--watchlist; changes are audited (--reason, --actor) like the lists'.
"""

from __future__ import annotations

import argparse
import sys

from screening.cli import stores
from screening.cli.output import print_rows
from screening.cli.parser import Parents, change_of, group
from screening.config import Settings
from screening.domain.alerts import AlertKind
from screening.domain.entries import AlertEntry
from screening.service.alerts import add_alert, remove_alert

COLUMNS = ("id", "kind", "value", "note", "created_at", "created_by", "reason")
_TARGETS = {
    AlertKind.NUMBER: "a number, in any form",
    AlertKind.PATTERN: "a pattern, as the blocklist writes them (+62809*, 0812345678??, A..B)",
    AlertKind.INMATE: "an inmate id",
    AlertKind.WATCHLIST: "a watchlist entry id (12 or watchlist:12): alerts when a call's name matches it",
}


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    actions = group(commands, "alerts", "hot numbers: every matching attempt alerts the monitoring consoles")
    add = actions.add_parser("add", parents=[parents.common, parents.change], help="mark a target for alerting")
    _target(add)
    add.add_argument("--note", default="", help="what a console shows with the alert: why, what to do")
    add.set_defaults(run=_add)
    remove = actions.add_parser("remove", parents=[parents.common, parents.change], help="stop alerting on a target")
    _target(remove)
    remove.set_defaults(run=_remove)
    show = actions.add_parser("list", parents=[parents.common, parents.listing], help="show the hot numbers")
    show.set_defaults(run=_list)


def _target(parser: argparse.ArgumentParser) -> None:
    targets = parser.add_mutually_exclusive_group(required=True)
    for kind, help_text in _TARGETS.items():
        targets.add_argument(f"--{kind.label}", dest=kind.label, metavar=kind.name, help=help_text)


def _kind_and_value(args) -> tuple[str, str]:
    return next((kind.label, getattr(args, kind.label)) for kind in _TARGETS if getattr(args, kind.label) is not None)


def _add(args, settings: Settings) -> None:
    kind, value = _kind_and_value(args)
    with stores.changing(settings) as store:
        added = add_alert(store, kind, value, args.note, settings.policies().default.region, change_of(args, store))
    print(f"alerting on {kind} {added.entry.value} (alerts entry {added.entry.id})")
    for warning in added.warnings:
        print(f"screening: warning: {warning}", file=sys.stderr)


def _remove(args, settings: Settings) -> None:
    kind, value = _kind_and_value(args)
    with stores.changing(settings) as store:
        removed = remove_alert(store, kind, value, settings.policies().default.region, change_of(args, store))
    print(f"removed alerts entry {removed.id}: {kind} {removed.value}")


def _list(args, settings: Settings) -> None:
    with stores.reading(settings) as store:
        rows = [_row(entry) for entry in store.entries(AlertEntry)]
    print_rows(COLUMNS, rows, args.format)


def _row(entry: AlertEntry) -> dict:
    audit = entry.audit
    return {"id": entry.id, "kind": entry.kind.label, "value": entry.value, "note": entry.note,
            "created_at": audit.created_at.isoformat(timespec="seconds") if audit.created_at else "",
            "created_by": audit.created_by, "reason": audit.reason}
