"""The admin CLI: `screening serve|allowlist|privileged|blocklist|watchlist|check|history|decisions`."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime

from screening import __version__
from screening.adapters.files.columns import LISTING
from screening.cli.output import FORMATS, print_rows, printable
from screening.config import ConfigError, Settings, check_retention, load_settings
from screening.domain.blocklist import Category
from screening.domain.entries import AllowlistEntry, BlockEntry, PrivilegedEntry, WatchEntry
from screening.domain.errors import InvalidEntry, InvalidRequest
from screening.domain.model import PrivilegedKind, ScreenRequest, Screening
from screening.domain.policy import PolicyError
from screening.domain.watchlist import WatchCategory
from screening.adapters.files.export import FORMATS as EXPORT_FORMATS
from screening.adapters.database import open_store
from screening.service.ports import StoreError



def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config, database=args.database, listen=getattr(args, "listen", None),
                                 metrics_listen=getattr(args, "metrics_listen", None))
        logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return args.run(args, settings) or 0
    except (ConfigError, PolicyError, StoreError, InvalidEntry, InvalidRequest, OSError) as error:
        print(f"screening: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database", help="SQLite file path or sqlite:/// URL (default: screening.db)")
    common.add_argument("--config", help="TOML config file (default: $SCREENING_CONFIG)")
    change = argparse.ArgumentParser(add_help=False)
    change.add_argument("--reason", required=True, help="why this change is made (audited)")
    change.add_argument("--actor", help="who makes it (default: the OS user)")
    listing = argparse.ArgumentParser(add_help=False)
    listing.add_argument("--format", choices=FORMATS, default="table")
    bulk = argparse.ArgumentParser(add_help=False)
    bulk.add_argument("file", help="the file to import; - reads standard input")
    bulk.add_argument("--reason", default="", help="why (audited); the reason of every row without its own")
    bulk.add_argument("--actor", help="who imports (default: the OS user)")
    bulk.add_argument("--skip-invalid", action="store_true",
                      help="import the valid rows and report the rest (default: one invalid row, nothing imported)")
    bulk.add_argument("--dry-run", action="store_true", help="report what the import would change; change nothing")

    parser = argparse.ArgumentParser(prog="screening", description="Call screening for inmate phone systems.")
    parser.add_argument("--version", action="version", version=f"screening {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="run the gRPC server")
    serve.add_argument("--listen", help="HOST:PORT for gRPC (default: 127.0.0.1:50051; port 0 picks one)")
    serve.add_argument("--metrics-listen", help="HOST:PORT for /metrics (default: 127.0.0.1:9464; '' turns it off)")
    serve.set_defaults(run=_serve)

    allow = _list_parser(commands, "allowlist", "per-inmate approved numbers")
    add = allow.add_parser("add", parents=[common, change], help="approve a number for an inmate")
    add.add_argument("inmate_id")
    add.add_argument("number")
    add.add_argument("--name", required=True, help="who the number belongs to")
    add.add_argument("--relationship", default="", help="e.g. mother, wife, brother")
    add.add_argument("--facility", default="", help="limit to one facility (default: every facility)")
    add.set_defaults(run=_allowlist_add)
    remove = allow.add_parser("remove", parents=[common, change], help="withdraw an approval")
    remove.add_argument("inmate_id")
    remove.add_argument("number")
    remove.add_argument("--facility", default="")
    remove.set_defaults(run=_allowlist_remove)
    show = allow.add_parser("list", parents=[common, listing], help="show approved numbers")
    show.add_argument("--inmate")
    show.add_argument("--facility")
    show.set_defaults(run=_list, entry_type=AllowlistEntry)
    load = allow.add_parser("import", parents=[common, bulk],
                            help="approve the numbers of a CSV file (inmate_id,number,name,relationship,facility_id)")
    load.set_defaults(run=_import, list_name="allowlist", format="csv")

    privileged = _list_parser(commands, "privileged", "lawyers, legal aid, embassies: allowed, never recorded")
    add = privileged.add_parser("add", parents=[common, change], help="add a privileged number")
    add.add_argument("number")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", default="other", choices=[k.label for k in PrivilegedKind])
    add.set_defaults(run=_privileged_add)
    remove = privileged.add_parser("remove", parents=[common, change], help="remove a privileged number")
    remove.add_argument("number")
    remove.set_defaults(run=_remove, entry_type=PrivilegedEntry)
    show = privileged.add_parser("list", parents=[common, listing], help="show privileged numbers")
    show.set_defaults(run=_list, entry_type=PrivilegedEntry)

    block = _list_parser(commands, "blocklist", "numbers and patterns no inmate may call")
    add = block.add_parser("add", parents=[common, change], help="block a number or pattern")
    add.add_argument("pattern", help="number, prefix (+62809*), wildcard (+6281234567??) or range (A..B)")
    add.add_argument("--category", default="fraud", choices=[c.label for c in Category])
    add.add_argument("--action", default="deny", choices=["deny", "review"])
    add.add_argument("--source", default="", help="where it comes from, e.g. a police report number")
    add.add_argument("--scope", default="global", help="global, facility:ID or inmate:ID")
    add.add_argument("--expires", default="", help="ISO date (matches through that day, UTC) or date and time")
    add.set_defaults(run=_blocklist_add)
    remove = block.add_parser("remove", parents=[common, change], help="unblock a number or pattern")
    remove.add_argument("pattern")
    remove.add_argument("--scope", default="global")
    remove.set_defaults(run=_blocklist_remove)
    show = block.add_parser("list", parents=[common, listing], help="show blocked numbers")
    show.set_defaults(run=_list, entry_type=BlockEntry)
    load = block.add_parser("import", parents=[common, bulk], help="block the numbers and patterns of a file")
    load.add_argument("--format", choices=("auto", "csv", "text"), default="auto",
                      help="CSV with a header (pattern,category,action,reason,source,expires_at,scope) or text, "
                           "one number or pattern a line (default: CSV when the first line is a header)")
    load.set_defaults(run=_import, list_name="blocklist")
    export = block.add_parser("export", parents=[common], help="write the whole blocklist, ready to import elsewhere")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
    export.add_argument("--output", help="file to write, created owner-only (default: standard output)")
    export.set_defaults(run=_blocklist_export)

    watch = _list_parser(commands, "watchlist", "people and organisations inmates must not reach, by name")
    add = watch.add_parser("add", parents=[common, change], help="watch for a name")
    add.add_argument("name")
    add.add_argument("--alias", action="append", default=[], help="another name or spelling (repeatable)")
    add.add_argument("--category", default="other", choices=[c.label for c in WatchCategory])
    add.add_argument("--action", default="review", choices=["deny", "review"])
    add.add_argument("--scope", default="global", help="global, facility:ID or inmate:ID")
    add.set_defaults(run=_watchlist_add)
    remove = watch.add_parser("remove", parents=[common, change], help="stop watching for a name")
    remove.add_argument("name")
    remove.add_argument("--scope", default="global")
    remove.set_defaults(run=_watchlist_remove)
    show = watch.add_parser("list", parents=[common, listing], help="show the watchlist")
    show.set_defaults(run=_list, entry_type=WatchEntry)
    load = watch.add_parser("import", parents=[common, bulk],
                            help="watch the names of a CSV file (name,aliases,category,action,reason,scope; "
                                 "aliases separated by |)")
    load.set_defaults(run=_import, list_name="watchlist", format="csv")

    check = commands.add_parser("check", parents=[common], help="screen one call offline and explain it")
    check.add_argument("--facility", required=True)
    check.add_argument("--inmate", required=True)
    check.add_argument("--number", required=True)
    check.add_argument("--name", default="", help="called party name, as the phone system would send it")
    check.add_argument("--json", action="store_true", help="print the response in protobuf's JSON mapping")
    check.set_defaults(run=_check)

    from screening.cli import audit

    audit.add_commands(commands, common, listing)

    decisions = _list_parser(commands, "decisions", "the decision log")
    prune = decisions.add_parser("prune", parents=[common], help="delete old decisions, archiving them first")
    prune.add_argument("--older-than-days", type=int, required=True, metavar="DAYS",
                       help="delete the decisions made more than DAYS days ago")
    prune.add_argument("--archive", metavar="FILE", help="first write them to FILE (JSON Lines, a new file)")
    prune.add_argument("--dry-run", action="store_true", help="count them; delete nothing")
    prune.set_defaults(run=_decisions_prune)
    return parser


def _list_parser(commands, name: str, help_text: str):
    parser = commands.add_parser(name, help=help_text)
    return parser.add_subparsers(dest="action", required=True, metavar="ACTION")


def _serve(args, settings: Settings) -> None:
    from screening.bootstrap import serve

    serve(settings)


def _allowlist_add(args, settings: Settings) -> None:
    from screening.service import list_changes

    with open_store(settings.database, settings.audit_key()) as store:
        result = list_changes.add_allowlist(store, settings.policies(), args.inmate_id, args.number, args.name,
                                            args.relationship, args.facility, _change(args))
    _report("approved", result)


def _privileged_add(args, settings: Settings) -> None:
    from screening.service import list_changes

    with open_store(settings.database, settings.audit_key()) as store:
        result = list_changes.add_privileged(store, settings.policies(), args.number, args.name, args.kind,
                                             _change(args))
    _report("added privileged number", result)


def _blocklist_add(args, settings: Settings) -> None:
    from screening.service import list_changes

    with open_store(settings.database, settings.audit_key()) as store:
        result = list_changes.add_blocked(store, settings.policies(), args.pattern, args.category, args.action,
                                          _change(args), args.source, args.scope, args.expires)
    _report("blocked", result)


def _watchlist_add(args, settings: Settings) -> None:
    from screening.service import list_changes

    with open_store(settings.database, settings.audit_key()) as store:
        result = list_changes.add_watch(store, args.name, args.alias, args.category, args.action, args.scope,
                                        _change(args))
    print(f"watching: {result.entry.name!r} ({result.entry.LIST} entry {result.entry.id})")


def _watchlist_remove(args, settings: Settings) -> None:
    from screening.service import list_changes

    with open_store(settings.database, settings.audit_key()) as store:
        entry = list_changes.remove_watch(store, args.name, args.scope, _change(args))
    print(f"removed {entry.LIST} entry {entry.id}: {entry.name!r}")


def _blocklist_remove(args, settings: Settings) -> None:
    from screening.service import list_changes

    with open_store(settings.database, settings.audit_key()) as store:
        entry = list_changes.remove_blocked(store, settings.policies(), args.pattern, args.scope, _change(args))
    print(f"removed {entry.LIST} entry {entry.id}: {entry.pattern}")


def _allowlist_remove(args, settings: Settings) -> None:
    from screening.service import list_changes

    with open_store(settings.database, settings.audit_key()) as store:
        entry = list_changes.remove(store, settings.policies(), AllowlistEntry, args.number, _change(args),
                                    inmate_id=args.inmate_id, facility_id=args.facility)
    print(f"removed {entry.LIST} entry {entry.id}: {entry.number}")


def _remove(args, settings: Settings) -> None:
    from screening.service import list_changes

    with open_store(settings.database, settings.audit_key()) as store:
        entry = list_changes.remove(store, settings.policies(), args.entry_type, args.number, _change(args))
    print(f"removed {entry.LIST} entry {entry.id}: {entry.number}")


def _import(args, settings: Settings) -> int:
    from screening.adapters.files.import_files import ImportFile
    from screening.service import imports

    name = "<stdin>" if args.file == "-" else args.file
    options = imports.Options(args.reason, args.skip_invalid, args.dry_run)
    level = "warning" if args.skip_invalid else "error"

    def on_invalid(line: int, problem: str) -> None:
        print(f"screening: {level}: {printable(name)} line {line}: {printable(problem)}", file=sys.stderr)

    why = _change(args, args.reason or "bulk import; reasons per row")
    source = contextlib.nullcontext(sys.stdin.buffer) if args.file == "-" else open(args.file, "rb")
    with source as stream, open_store(settings.database, settings.audit_key()) as store:
        records = ImportFile(stream, name, args.list_name, args.format, bool(args.reason))
        report = imports.import_file(store, settings.policies(), args.list_name, records, why, options, on_invalid)
        version = store.list_version()
    return _import_report(report, args.skip_invalid, args.dry_run, version)


def _import_report(report, skip_invalid: bool, dry_run: bool, version: int) -> int:
    """Counts on stdout (when committed or a dry run); an import refused for
    invalid rows ends with an error line and exit status 1."""
    name = printable(report.file)
    refused = report.invalid.count and not skip_invalid
    if report.committed or dry_run:
        print(f"{name}: {report.rows} row{'s' if report.rows != 1 else ''} ({report.format}, sha256 {report.sha256})")
        print(f"  {'added' if report.committed else 'would add'}: {report.added}")
        print(f"  duplicates within the file, not added twice: {_lines(report.duplicates_in_file)}")
        print(f"  already on the {report.list}, left as they are: {_lines(report.already_present)}")
        print(f"  invalid{', skipped' if skip_invalid else ''}: {_lines(report.invalid)}")
        print(f"imported into the {report.list}: list version {version}" if report.committed
              else "dry run: nothing changed")
    if refused:
        print(f"screening: error: {name}: {report.invalid.count} of {report.rows} rows are invalid, so nothing "
              f"{'would be' if dry_run else 'was'} imported; fix them, or import the other rows with --skip-invalid",
              file=sys.stderr)
        return 1
    return 0


def _lines(lines) -> str:
    if not lines.count:
        return "0"
    more = ", ..." if lines.count > len(lines.first) else ""
    return f"{lines.count} (line{'s' if lines.count > 1 else ''} {', '.join(map(str, lines.first))}{more})"


def _blocklist_export(args, settings: Settings) -> None:
    from screening.adapters.files import export as exports

    target = contextlib.nullcontext(sys.stdout) if args.output is None else _private_file(args.output)
    with open_store(settings.database, settings.audit_key()) as store, target as out:
        count = exports.export_blocklist(store.stream(BlockEntry), out, args.format)
    if args.output is not None:
        print(f"exported {count} blocklist entries to {printable(args.output)}")


@contextlib.contextmanager
def _private_file(path: str):
    """A file to write, readable by its owner only (the lists name victims and
    witnesses) and whole or not there: written beside it, renamed when done."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".screening-")
    except OSError as error:
        raise OSError(f"cannot write {path}: {error.strerror}") from None
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _list(args, settings: Settings) -> None:
    filters = {}
    if getattr(args, "inmate", None) is not None:
        filters["inmate_id"] = args.inmate
    if getattr(args, "facility", None) is not None:
        filters["facility_id"] = args.facility
    with open_store(settings.database, settings.audit_key()) as store:
        rows = [_row(entry) for entry in store.entries(args.entry_type, **filters)]
    print_rows(LISTING[args.entry_type.LIST], rows, args.format)


def _decisions_prune(args, settings: Settings) -> None:
    from screening.adapters.files.archive import JsonlArchive
    from screening.bootstrap import decision_log_path
    from screening.adapters.sqlite.decision_log import SqliteDecisionLog

    check_retention("--older-than-days", args.older_than_days, settings.policies())
    path = decision_log_path(settings)
    if not path.exists():
        raise StoreError(f"no decision log at {path}")
    before = time.time() - args.older_than_days * 86400
    when = datetime.fromtimestamp(before).astimezone().isoformat(timespec="seconds")
    with SqliteDecisionLog(path) as decisions:
        if args.dry_run:
            print(f"would delete {decisions.count_before(before)} decisions made before {when}")
            return
        archive = JsonlArchive(args.archive) if args.archive else None
        with archive or contextlib.nullcontext():
            count = decisions.prune(before, archive)
    kept = f", archived to {printable(args.archive)}" if archive else ""
    print(f"deleted {count} decisions made before {when}{kept}")


def _check(args, settings: Settings) -> None:
    from screening.bootstrap import build_checker

    request = ScreenRequest(call_id=f"cli-check-{uuid.uuid4().hex[:12]}", facility_id=args.facility,
                            inmate_id=args.inmate, dialed_number=args.number, called_party_name=args.name)
    with open_store(settings.database, settings.audit_key()) as store:
        engine, recent = build_checker(settings, store)
        screening = engine.screen(request, recent)
    if args.json:
        from google.protobuf import json_format

        from screening.adapters.grpc.convert import screening_to_proto

        print(json_format.MessageToJson(screening_to_proto(screening), always_print_fields_with_no_presence=True))
    else:
        _explain(screening)


def _explain(screening: Screening) -> None:
    number = screening.normalized_number or "(no E.164 form)"
    print(f"{screening.decision.name}  {number}  type {screening.number_type.name}  "
          f"region {screening.number_region or '-'}  lists version {screening.list_version}")
    for finding in screening.findings:
        entry = f"  [{finding.entry_id}]" if finding.entry_id else ""
        entry += f"  score {finding.score:.2f}" if finding.score < 1 else ""
        print(f"  {finding.effect.name:<6} {finding.reason.name}: {printable(finding.detail)}{entry}")
    print(f"  record: {'yes' if screening.record else 'NO (privileged)'}   "
          f"max duration: {screening.max_duration_seconds} s")


def _change(args, reason: str | None = None):
    from screening.service import list_changes

    actor = args.actor or os.environ.get("SUDO_USER") or getpass.getuser()
    return list_changes.change(actor, args.reason if reason is None else reason)


def _report(verb: str, result) -> None:
    entry = result.entry
    print(f"{verb}: {getattr(entry, 'number', None) or entry.pattern} ({entry.LIST} entry {entry.id})")
    for warning in result.warnings:
        print(f"screening: warning: {warning}", file=sys.stderr)


def _row(entry) -> dict:
    row = {}
    for f in dataclasses.fields(entry):
        value = getattr(entry, f.name)
        if f.name == "audit":
            row["created_at"] = value.created_at.isoformat(timespec="seconds") if value.created_at else ""
            row["created_by"] = value.created_by
            row["reason"] = value.reason
        elif isinstance(value, datetime):
            row[f.name] = value.isoformat(timespec="seconds")
        elif value is None:
            row[f.name] = ""
        elif isinstance(value, tuple):
            row[f.name] = "|".join(value)
        else:
            row[f.name] = value.label if hasattr(value, "label") else str(value) if f.name == "scope" else value
    return row


if __name__ == "__main__":
    sys.exit(main())
