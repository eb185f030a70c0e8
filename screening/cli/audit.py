"""`screening audit`: the change log of every list, its verification and its head."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from screening.cli import stores
from screening.cli.parser import Parents
from screening.cli.output import print_rows
from screening.config import Settings
from screening.domain.changelog import LogEntry, parse_head
from screening.domain.entries import ENTRY_TYPES
from screening.domain.errors import InvalidEntry
from screening.domain.numbers import parse_list_number
from screening.domain.patterns import parse_pattern
from screening.service import audit

COLUMNS = ("version", "at", "actor", "action", "list", "entry_id", "reason", "entry", "details")
LISTS = ("allowlist", "privileged", "blocklist", "watchlist", "alerts")


def register(commands, parents: Parents) -> None:
    common, listing = parents.common, parents.listing
    show = commands.add_parser("audit", parents=[common, listing],
                               help="the change log of every list: who changed what, when and why")
    _filters(show)
    show.set_defaults(run=_show)
    actions = show.add_subparsers(dest="audit_action", metavar="ACTION")
    check = actions.add_parser("verify", parents=[common],
                               help="check the change log is intact and the lists are what it replays to")
    check.add_argument("--head", metavar="VERSION:HASH", help="a head written down earlier: the chain must reach it")
    check.set_defaults(run=_verify)
    head = actions.add_parser("head", parents=[common], help="print VERSION:HASH of the newest change, to write down")
    head.set_defaults(run=_head)
    # The old name, kept: the same listing.
    history = commands.add_parser("history", parents=[common, listing], help="the same as `screening audit`")
    _filters(history)
    history.set_defaults(run=_show)


def _filters(parser) -> None:
    parser.add_argument("--since", default="", help="from this time on (ISO 8601, UTC when no offset)")
    parser.add_argument("--until", default="", help="before this time")
    parser.add_argument("--actor", default="")
    parser.add_argument("--list", default="", choices=("", *LISTS, "approvals"))
    parser.add_argument("--entry", type=int, default=0, metavar="ID", help="changes of this entry id")
    parser.add_argument("--number", default="", help="changes of this number or pattern, in any form")
    parser.add_argument("--limit", type=int, default=0, help="only the newest N changes")


def _show(args, settings: Settings) -> None:
    number = _number(args.number, settings) if args.number else ""
    with stores.reading(settings) as store:
        entries = [e for e in store.log(_time(args.since), _time(args.until), args.actor, args.list, args.entry)
                   if not number or _touches(store, e, number)]
    if args.limit:
        entries = entries[-args.limit:]
    rows = [_row(entry) for entry in entries]
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    shown = _summary if args.format == "table" else lambda row: _compact(row["after"] or row["before"])
    print_rows(COLUMNS, [{**row, "actor": _actor(row), "entry": shown(row), "details": _compact(row["details"])}
                         for row in rows], args.format)


def _actor(row: dict) -> str:
    """The identity, and beside it the display name staff gave (--actor), which never replaces it."""
    shown = row["details"].get("display_name")
    return f"{row['actor']} ({shown})" if shown else row["actor"]


def _verify(args, settings: Settings) -> int:
    head = None
    if args.head:
        try:
            head = parse_head(args.head)
        except ValueError as error:
            raise InvalidEntry(str(error)) from None
    key = settings.audit_key()
    with stores.reading(settings) as store:
        result = audit.verify(store, key, head)
    for problem in result.problems:
        print(f"screening: audit: {problem}", file=sys.stderr)
    macs = f", {result.authenticated} with a valid MAC" if key else ", no HMAC key given (hashes only)"
    status = "intact" if result.ok else f"FAILED ({len(result.problems)} problem{'s' if len(result.problems) > 1 else ''})"
    print(f"change log {status}: {result.entries} entries{macs}; list version {result.version}; "
          f"head {result.head or '(none)'}")
    return 0 if result.ok else 1


def _head(args, settings: Settings) -> None:
    with stores.reading(settings) as store:
        newest = store.head()
    print(newest.head if newest else "0:" + "0" * 64)


def _row(entry: LogEntry) -> dict:
    return {"version": entry.version, "at": entry.at, "actor": entry.actor, "action": entry.action,
            "list": entry.list, "entry_id": entry.entry_id, "reason": entry.reason, "before": entry.before,
            "after": entry.after, "details": entry.details, "rows": entry.rows, "hash": entry.hash}


def _summary(row: dict) -> str:
    """What a change was about, in a line: the entry's key, or what an edit changed."""
    before, after = row["before"], row["after"]
    if row["action"] == "report":  # who read personal data: the report's name (its filters are in details)
        return f"report {row['details'].get('report', '')}"
    if row["action"] == "policy":  # the approval policy kept in the store, as set
        policy = row["details"].get("policy", {})
        return f"approval policy: require {', '.join(policy.get('require', [])) or 'nothing'}; " \
               f"expire_hours {policy.get('expire_hours', '')}"
    if row["list"] == "approvals":  # a two-person change's step: what was held
        return str(row["details"].get("summary", ""))
    if before and after:
        return "; ".join(f"{name}: {before[name]!r} -> {after[name]!r}" for name in after
                         if before.get(name) != after[name] and name not in ("created_at", "created_by", "reason"))
    record = after or before
    if record:
        return " ".join(str(record[name]) for name in ENTRY_TYPES[row["list"]].KEY if record.get(name))
    return f"{row['rows']} rows"


def _compact(value) -> str:
    return "" if not value else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _number(text: str, settings: Settings) -> str:
    region = settings.policies().default.region
    try:
        return parse_list_number(text, region).e164
    except ValueError:
        return parse_pattern(text, region).text


def _touches(store, entry: LogEntry, number: str) -> bool:
    records = [r for r in (entry.before, entry.after) if r]
    if entry.rows:
        records = store.log_rows(entry.version)
    return any(record.get("number") == number or record.get("pattern") == number for record in records)


def _time(text: str) -> str:
    """An ISO 8601 time as the log keeps it (UTC), for comparing as text."""
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidEntry(f"time {text!r} is not ISO 8601 (2026-12-01 or 2026-12-01T08:00:00+07:00)") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
