"""`screening allowlist|privileged|blocklist|watchlist import` and `screening blocklist
export`: whole files in and out of the lists."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import tempfile
from dataclasses import dataclass

from screening.adapters.files.export import FORMATS as EXPORT_FORMATS
from screening.cli import progress, stores
from screening.cli.output import printable
from screening.cli.parser import Parents, change_of
from screening.config import Settings
from screening.cli.approvals import held_line
from screening.domain.approvals import PendingChange
from screening.domain.entries import BlockEntry
from screening.domain.model import PrivilegedKind


@dataclass(frozen=True)
class Import:
    help: str
    format: str | None  # the file format, or None: chosen with --format


IMPORTS = {
    "allowlist": Import("approve the numbers of a CSV file (inmate_id,number,name,relationship,facility_id)", "csv"),
    "privileged": Import("add the privileged numbers of a CSV file (number,name,kind; kind: "
                         f"{', '.join(kind.label for kind in PrivilegedKind)}; empty: other)", "csv"),
    "blocklist": Import("block the numbers and patterns of a file", None),
    "watchlist": Import("watch the names of a CSV file (name,aliases,category,action,reason,scope; "
                        "aliases separated by |)", "csv"),
}


def register(actions: dict[str, argparse._SubParsersAction], parents: Parents) -> None:
    """`screening LIST import` for the lists that have one, and `screening blocklist export`."""
    bulk = argparse.ArgumentParser(add_help=False)
    bulk.add_argument("file", help="the file to import; - reads standard input")
    bulk.add_argument("--reason", default="", help="why (audited); the reason of every row without its own")
    bulk.add_argument("--actor", help="a display name shown beside who really imports (the OS user, or the "
                                      "PostgreSQL role), which it never replaces")
    bulk.add_argument("--skip-invalid", action="store_true",
                      help="import the valid rows and report the rest (default: one invalid row, nothing imported)")
    bulk.add_argument("--dry-run", action="store_true", help="report what the import would change; change nothing")
    force = argparse.ArgumentParser(add_help=False)
    force.add_argument("--force", action="store_true",
                       help="accept patterns that fix fewer digits after the country code than the minimum "
                            "(default: such rows are invalid)")
    for name, spec in IMPORTS.items():
        extra = [force] if name == "blocklist" else []
        load = actions[name].add_parser("import", parents=[parents.common, bulk, *extra], help=spec.help)
        if spec.format is None:
            load.add_argument("--format", choices=("auto", "csv", "text"), default="auto",
                              help="CSV with a header (pattern,category,action,reason,source,expires_at,scope) or "
                                   "text, one number or pattern a line (default: CSV when the first line is a header)")
            load.set_defaults(run=_import, list_name=name)
        else:
            load.set_defaults(run=_import, list_name=name, format=spec.format)

    export = actions["blocklist"].add_parser("export", parents=[parents.common],
                                             help="write the whole blocklist, ready to import elsewhere")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
    export.add_argument("--output", help="file to write, created owner-only (default: standard output)")
    export.set_defaults(run=_blocklist_export)


def _import(args, settings: Settings) -> int:
    from screening.adapters.files.import_files import ImportFile
    from screening.service import imports

    name = "<stdin>" if args.file == "-" else args.file
    options = imports.Options(args.reason, args.skip_invalid, args.dry_run, getattr(args, "force", False))
    level = "warning" if args.skip_invalid else "error"
    source = contextlib.nullcontext(sys.stdin.buffer) if args.file == "-" else open(args.file, "rb")
    with source as stream, stores.changing(settings) as store:
        why = change_of(args, store, args.reason or "bulk import; reasons per row")
        records = ImportFile(stream, name, args.list_name, args.format, bool(args.reason))
        with progress.ProgressLine(progress.rows_read(lambda: records.position, _size(stream))) as line:

            def on_invalid(number: int, problem: str) -> None:
                line.print(f"screening: {level}: {printable(name)} line {number}: {printable(problem)}")

            report = _imported(store, settings, args.list_name, _Shown(records, line), why, options, on_invalid)
        if isinstance(report, PendingChange):
            print(held_line(report))
            return 0
        version = store.list_version()
    return _import_report(report, args.skip_invalid, args.dry_run, version)


def _imported(store, settings: Settings, list_name: str, source, why, options, on_invalid):
    """The import's report; a privileged one may be held for approval instead ([approvals])."""
    from screening.cli.approvals import in_force
    from screening.service import approvals, imports

    policy = in_force(store, settings)  # the store's policy, raised by the config's
    if list_name == "privileged":
        return approvals.privileged_import(store, settings.policies(), policy, source, why,
                                           options, on_invalid)
    return imports.import_file(store, settings.policies(), list_name, source, why, options, on_invalid)


class _Shown:
    """An import file whose rows pass a progress line as they are read."""

    def __init__(self, records, line: progress.ProgressLine):
        self._records, self._line = records, line

    def __getattr__(self, name: str):
        return getattr(self._records, name)

    def records(self):
        count = 0
        for count, record in enumerate(self._line.over(self._records.records()), 1):
            yield record
        # Read; what is left (storing them, in one transaction) can take a while too.
        self._line.status(f"{count:,} row{'' if count == 1 else 's'} read; finishing the import")


def _size(stream) -> int | None:
    """The bytes of a regular file, or None (a pipe, a terminal)."""
    try:
        status = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def _import_report(report, skip_invalid: bool, dry_run: bool, version: int) -> int:
    """Counts on stdout (when committed or a dry run); an import refused for
    invalid rows ends with an error line and exit status 1."""
    name = printable(report.file)
    target = "privileged list" if report.list == "privileged" else report.list
    refused = report.invalid.count and not skip_invalid
    if report.committed or dry_run:
        print(f"{name}: {report.rows} row{'s' if report.rows != 1 else ''} ({report.format}, sha256 {report.sha256})")
        print(f"  {'added' if report.committed else 'would add'}: {report.added}")
        print(f"  duplicates within the file, not added twice: {_lines(report.duplicates_in_file)}")
        print(f"  already on the {target}, left as they are: {_lines(report.already_present)}")
        print(f"  invalid{', skipped' if skip_invalid else ''}: {_lines(report.invalid)}")
        if not report.committed:
            print("dry run: nothing changed")
        elif report.added:
            print(f"imported into the {target}: list version {version}")
        else:
            print(f"nothing new for the {target}: it is unchanged, list version {version}")
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
    line = progress.ProgressLine(progress.rows_written, interleaved=args.output is None and sys.stdout.isatty())
    with stores.reading(settings) as store, target as out, line:
        count = exports.export_blocklist(line.over(store.stream(BlockEntry)), out, args.format)
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
