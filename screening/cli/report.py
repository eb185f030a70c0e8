"""`screening report hits|shared-numbers|inmate|links`: reports for the
police and for security staff, from the lists and the decision log.

Every report names people, so every report is audited: a "report" entry in
the change log says who generated which report with which filters, when,
and where it went. That needs the store opened for writing (and the audit
key, where the chain is sealed with one); a report that cannot be audited
is not given out.
"""

from __future__ import annotations

import argparse
import os

from screening.cli.decisions import _moment
from screening.cli.parser import Parents, group
from screening.cli.report_output import FORMATS, emit, rendered, shown_filters
from screening.config import Settings
from screening.service.ports import StoreError

GRAPH_FORMATS = (*FORMATS, "dot", "svg")


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    reports = group(commands, "report", "reports for the police and security staff (each one audited)")
    hits = _report(reports, parents, "hits", "each blocklist or watchlist entry a call hit: attempts, first and "
                                             "last, inmates, facilities, decisions", _hits)
    hits.add_argument("--source", help="only the entries of this police report (a blocklist entry's source)")
    hits.add_argument("--category", help="only the entries of this category (fraud, narcotics, victim, ...)")
    _until(hits)
    shared = _report(reports, parents, "shared-numbers", "numbers several inmates registered or called: relays "
                                                         "and hubs", _shared)
    shared.add_argument("--min-inmates", type=int, default=2, metavar="K", help="at least K inmates")
    inmate = _report(reports, parents, "inmate", "one inmate's contacts, attempts, denials and flags, numbers "
                                                 "called, and numbers shared with others", _inmate)
    inmate.add_argument("inmate", metavar="INMATE")
    links = _report(reports, parents, "links", "the inmate-number graph around a number or an inmate", _links,
                    GRAPH_FORMATS)
    start = links.add_mutually_exclusive_group(required=True)
    start.add_argument("--number", help="start at this number (any form)")
    start.add_argument("--inmate", help="start at this inmate")
    links.add_argument("--hops", type=int, default=2, help="links to follow from the start (1-4)")


def _report(reports, parents: Parents, name: str, help_text: str, run, formats=FORMATS) -> argparse.ArgumentParser:
    parser = reports.add_parser(name, parents=[parents.common], help=help_text)
    parser.add_argument("--since", type=_moment, help="calls from this time on (ISO 8601)")
    parser.add_argument("--format", choices=formats, default="table")
    parser.add_argument("--output", metavar="FILE", help="write to FILE (owner-only; whole or not at all; "
                                                         "a new file unless --force)")
    parser.add_argument("--force", action="store_true", help="replace FILE when it exists")
    parser.add_argument("--actor", help="a display name shown beside who really generates it (audited: the OS "
                                        "user, or the PostgreSQL role)")
    parser.add_argument("--reason", help="why, e.g. a case number (audited; default: the report's name)")
    parser.set_defaults(run=run, report_name=name)
    return parser


def _until(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--until", type=_moment, help="calls before this time (ISO 8601)")


def _hits(args, settings: Settings) -> None:
    from screening.service.reports import hits

    _run(args, settings, lambda store, log: hits(store, log, args.source or "", args.category or "", args.since,
                                                 args.until))


def _shared(args, settings: Settings) -> None:
    from screening.service.reports import shared_numbers

    _run(args, settings, lambda store, log: shared_numbers(store, log, args.min_inmates, args.since))


def _inmate(args, settings: Settings) -> None:
    from screening.service.inmate_report import inmate_report

    _run(args, settings, lambda store, log: inmate_report(store, log, args.inmate, args.since))


def _links(args, settings: Settings) -> None:
    from screening.service.links import links

    region = settings.policies().default.region
    _run(args, settings, lambda store, log: links(store, log, region, args.number or "", args.inmate or "",
                                                  args.hops, args.since))


def _run(args, settings: Settings, build) -> None:
    """Open the store (to write the audit entry) and the decision log, build
    the report, render it, and give it out audited."""
    from screening.adapters.files.output_file import check_writable
    from screening.bootstrap import decision_log_path, open_decision_log, shared_decision_log
    from screening.cli.stores import changing
    from screening.service import list_changes

    if args.output:
        check_writable(args.output, args.force)  # before the work, not after it
    if not shared_decision_log(settings) and not (path := decision_log_path(settings)).exists():
        raise StoreError(f"no decision log at {path}")
    with changing(settings) as store, open_decision_log(settings, mode="ro", answering=False) as log:
        change = list_changes.change(store.identity(), args.reason or f"report {args.report_name}",
                                     args.actor or "")
        report = build(store, log)
        text = _text(report, args.format)
        what = {"report": report.name, "filters": shown_filters(report.filters), "format": args.format,
                "output": os.path.abspath(args.output) if args.output else "stdout", "rows": report.rows}
        emit(text, args.output, args.force, lambda: store.record_access(change, what))


def _text(report, fmt: str) -> str:
    if fmt not in ("dot", "svg"):
        return rendered(report, fmt)
    from screening.adapters.files.graphviz import dot_text, svg_of

    nodes, links = report.tables
    start = ("number", report.filters["number"]) if report.filters["number"] else ("inmate",
                                                                                  report.filters["inmate"])
    dot = dot_text(nodes.rows, links.rows, start, links.note)
    return svg_of(dot) if fmt == "svg" else dot
