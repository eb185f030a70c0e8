"""`screening demo`: the product at work in one command.

Seeds a store in a private temporary folder through the same service
functions the CLI uses (screening/cli/demo_data.py says with what), starts
the real server on it as a subprocess, places sample calls over gRPC as a
phone system would, prints each decision and why, then stops the server and
removes the folder, on an error or Ctrl-C too.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import tempfile
from pathlib import Path

from screening.cli import demo_data as data
from screening.cli.demo_server import DemoServer
from screening.cli.output import printable
from screening.cli.parser import Parents
from screening.config import Settings, load_settings
from screening.service import imports, list_changes
from screening.service.feed import PRIVILEGED_DETAIL

_ACTOR = "screening-demo"


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    demo = commands.add_parser("demo", help="seed a temporary store, start the server, screen sample calls, "
                                            "explain each decision, clean up")
    demo.add_argument("--keep", metavar="DIR",
                      help="build the demo in DIR (a new folder, owner-only) and leave it there "
                           "(default: a temporary folder, removed at the end)")
    demo.set_defaults(run=_demo, config=None, database=None)


def _demo(args, settings: Settings) -> int:
    folder = _folder(args.keep)
    try:
        config = _seed(folder)
        with DemoServer(config) as server:
            rows = [_row(call, server.screen(call)) for call in data.CALLS]
        _print_table(rows)
        if args.keep:
            print(f"\nkept in {printable(folder)}: screening serve --config {printable(config)}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def _folder(keep: str | None) -> Path:
    """The demo's folder, owner-only: the lists name victims."""
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="screening-demo-"))  # mode 0700
    folder = Path(keep)
    os.mkdir(folder, 0o700)  # FileExistsError: never seed into someone's folder
    return folder


def _seed(folder: Path) -> Path:
    """The store and the config file the server will read; returns the config's path."""
    from screening.adapters.database import open_store
    from screening.adapters.files.import_files import ImportFile

    config = folder / "screening.toml"
    config.write_text(data.config_text(str(folder / "screening.db"), data.closed_session()), "utf-8")
    settings = load_settings(str(config), environ={})
    policies = settings.policies()
    with open_store(settings.database, "rwc") as store:
        for inmate, number, name, relationship, facility in data.FAMILIES:
            list_changes.add_allowlist(store, policies, inmate, number, name, relationship, facility,
                                       list_changes.change(_ACTOR, "registered at family visit"))
        for number, name, kind in data.PRIVILEGED:
            list_changes.add_privileged(store, policies, number, name, kind,
                                        list_changes.change(_ACTOR, f"{kind} office"))
        report = ImportFile(io.BytesIO(data.POLICE_REPORT_CSV), f"police report {data.REPORT}", "blocklist",
                            default_reason=True)
        imports.import_file(store, policies, "blocklist", report,
                            list_changes.change(_ACTOR, f"Police report {data.REPORT}"),
                            imports.Options(reason=f"Police report {data.REPORT}"), _refuse)
        for name, aliases, category, action in data.WATCHLIST:
            list_changes.add_watch(store, name, list(aliases), category, action, "",
                                   list_changes.change(_ACTOR, f"{category} in {data.REPORT}"))
    return config


def _refuse(line: int, problem: str) -> None:
    raise AssertionError(f"demo police report line {line}: {problem}")  # a bug in demo_data


def _row(call: data.Call, response) -> tuple[str, ...]:
    """One line of the table. A privileged call shows neither its number nor
    whom it called, as nothing else the service writes does."""
    from screening.v1 import screening_pb2 as pb

    decision = pb.Decision.Name(response.decision).removeprefix("DECISION_")
    reasons = []
    for finding in response.findings:
        detail = finding.detail if response.record else PRIVILEGED_DETAIL
        effect = pb.Decision.Name(finding.effect).removeprefix("DECISION_")
        reasons.append(f"{effect:<6} {pb.Reason.Name(finding.reason).removeprefix('REASON_')}: {detail}")
    if not response.record:
        reasons.append("record: NO (privileged: never recorded)")
    number, name = (call.number, call.name or "-") if response.record else ("(privileged)", "(not shown)")
    return call.call_id, call.facility, call.inmate, number, name, decision, call.shows, reasons


def _print_table(rows) -> None:
    headers = ("call", "facility", "inmate", "number", "name", "decision", "shows")
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    line = lambda cells: "  ".join(printable(str(c)).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    print(line(headers))
    print(line("-" * w for w in widths))
    for row in rows:
        print(line(row[:-1]))
        for reason in row[-1]:
            print(f"        {printable(reason)}")
