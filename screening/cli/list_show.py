"""`screening allowlist|privileged|blocklist|watchlist list`: a list's
entries, filtered. The flags each list has are service.list_queries.FILTERS;
this module parses them and prints what list_queries.find returns, with a
line on stderr when --limit cut the listing or expired entries are in it."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import datetime

from screening.adapters.files.columns import LISTING
from screening.cli import stores
from screening.cli.output import print_rows
from screening.config import Settings
from screening.domain.model import PrivilegedKind
from screening.service import list_changes, list_queries

_ANY_FORM = "in any form (0812-3456-7890, +62 812 3456 7890, 62812...)"
_NUMBER_HELP = {
    "allowlist": f"approvals of this number, {_ANY_FORM}",
    "privileged": f"this number, {_ANY_FORM}",
    "blocklist": f"the entries that match this number, {_ANY_FORM}: its own and every prefix, wildcard and "
                 f"range covering it (is it blocked, and why)",
}
_HELP = {  # each filter's, but --number's and --category's: they depend on the list (_help)
    "inmate": "approvals of this inmate",
    "facility": "approvals for this facility only ('': those for every facility)",
    "kind": "entries of this kind: " + ", ".join(k.label for k in PrivilegedKind),
    "scope": "entries of this scope: global, facility:ID or inmate:ID",
    "source": "entries from this source, e.g. a police report number",
    "expired": "only the entries whose expiry has passed (default: every entry, expired ones too, with a note "
               "on stderr saying how many)",
    "name": "entries whose name or an alias matches this name as calls are matched (spelling, titles, word "
            "order), best first",
}


def register(actions: argparse._SubParsersAction, list_name: str, entry_type: type, help_text: str,
             parents) -> None:
    """`screening LIST list` and its filters."""
    show = actions.add_parser("list", parents=[parents.common, parents.listing], help=help_text)
    for name in list_queries.FILTERS[list_name]:
        how = {"action": "store_true"} if name == "expired" else {"metavar": name.upper()}
        show.add_argument(f"--{name}", dest=f"filter_{name}", help=_help(list_name, name), **how)
    show.add_argument("--limit", type=int, metavar="N", help="show at most N entries, the first ones "
                                                           "(stderr says how many there were)")
    show.set_defaults(run=_list, entry_type=entry_type)


def _help(list_name: str, name: str) -> str:
    if name == "number":
        return _NUMBER_HELP[list_name]
    if name == "category":
        return "entries of this category: " + ", ".join(c.label for c in list_queries.CATEGORIES[list_name])
    return _HELP[name]


def _list(args, settings: Settings) -> None:
    asked = {name: getattr(args, f"filter_{name}") for name in list_queries.FILTERS[args.entry_type.LIST]}
    query = list_queries.ListQuery(**asked, limit=args.limit)
    with stores.reading(settings) as store:
        listing = list_queries.find(store, settings.policies(), args.entry_type, query)
    rows = [_row(entry) for entry in listing.entries]
    print_rows(LISTING[args.entry_type.LIST], rows, args.format, sys.stdout)  # the stdout of now: capsys
    if len(listing.entries) < listing.total:
        print(f"screening: showing {len(listing.entries):,} of {listing.total:,} entries (--limit {args.limit})",
              file=sys.stderr)
    if listing.expired and not query.expired:
        have = "has" if listing.expired == 1 else "have"
        print(f"screening: note: {listing.expired:,} of these entries {have} expired and no longer match calls "
              f"(--expired lists only those)", file=sys.stderr)


def _row(entry) -> dict:
    row = {}
    for f in dataclasses.fields(entry):
        value = getattr(entry, f.name)
        if f.name == "audit":
            row["created_at"] = value.created_at.isoformat(timespec="seconds") if value.created_at else ""
            row["created_by"] = value.created_by
            row["reason"] = value.reason
        elif f.name == "expires_at" and value is not None:
            row[f.name] = list_changes.shown_expiry(value)  # the date given, not the next midnight
        elif isinstance(value, datetime):
            row[f.name] = value.isoformat(timespec="seconds")
        elif value is None:
            row[f.name] = ""
        elif isinstance(value, tuple):
            row[f.name] = "|".join(value)
        else:
            row[f.name] = value.label if hasattr(value, "label") else str(value) if f.name == "scope" else value
    return row
