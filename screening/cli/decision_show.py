"""`screening decisions show CALL_ID`: one decision in full, with the list
entries it names as they stood at its list version (service.explain)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from screening.cli.output import printable
from screening.cli.parser import Parents
from screening.cli.report_output import moment
from screening.config import Settings
from screening.service.ports import StoreError

_REQUEST = ("facility_id", "call_id", "inmate_id", "station_id", "dialed_number", "called_party_name",
            "requested_at")
_ANSWER = ("decision", "normalized_number", "number_type", "number_region", "record", "max_duration_seconds",
           "list_version")


def register(decisions: argparse._SubParsersAction, parents: Parents) -> None:
    show = decisions.add_parser("show", parents=[parents.common],
                                help="one decision in full, with the list entries as they stood then")
    show.add_argument("call_id", metavar="CALL_ID")
    show.add_argument("--facility", help="the facility, when the call_id was screened at several")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(run=_show)


def _show(args, settings: Settings) -> None:
    from screening.bootstrap import decision_log_path, open_decision_log, shared_decision_log
    from screening.cli.stores import reading
    from screening.service.explain import explain

    if not shared_decision_log(settings) and not (path := decision_log_path(settings)).exists():
        raise StoreError(f"no decision log at {path}")
    with reading(settings) as store, open_decision_log(settings, mode="ro", answering=False) as log:
        decision = explain(store, log, args.call_id, args.facility or "")
    decision = {**decision, "at": moment(decision["at"])}
    if args.format == "json":
        json.dump(decision, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    sys.stdout.write("".join(_lines(decision)))


def _lines(decision: dict[str, Any]):
    yield f"call {printable(decision['call_id'])} at {printable(decision['facility_id'])}, {decision['at']}\n"
    for name in (*_REQUEST[2:], *_ANSWER):
        yield f"  {name + ':':24}{printable(decision[name])}\n"
    if not decision["record"]:
        yield "  (a privileged call: its number, called party and entries are not shown)\n"
    histories = {history["entry"]: history for history in decision["entries"]}
    yield "findings:\n"
    if not decision["findings"]:
        yield "  (none)\n"
    for number, finding in enumerate(decision["findings"], 1):
        yield (f"  {number}. {finding['reason']}  effect {finding['effect']}  score {finding['score']:g}"
               f"{'  entry ' + finding['entry_id'] if finding['entry_id'] else ''}\n")
        yield f"     {printable(finding['detail'])}\n"
        history = histories.get(finding["entry_id"])
        if history is not None:
            yield from _history(history, decision["list_version"])


def _history(history: dict[str, Any], version: int):
    if history["then"] is not None:
        shown = ", ".join(f"{name}={_value(value)}" for name, value in history["then"].items() if name != "id")
        yield f"     at list version {version}: {printable(shown)}\n"
    if history["note"]:
        yield f"     {printable(history['note'])}\n"
    for change in history["since"]:
        what = change["action"] + (": " + "; ".join(f"{name} {_value(old)} -> {_value(new)}"
                                                    for name, (old, new) in change.get("changed", {}).items())
                                   if change.get("changed") else "")
        yield (f"     since: {printable(what)} at version {change['version']} ({printable(change['at'])}, "
               f"by {printable(change['actor'])}: {printable(change['reason'])})\n")


def _value(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
