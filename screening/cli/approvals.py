"""`screening approvals list|show|approve|reject`: the changes [approvals]
holds until a second, different identity approves them (service/approvals.py).

Who approves is the store's identity (the OS user, or the PostgreSQL role),
never a flag: one's own request cannot be approved.
"""

from __future__ import annotations

import argparse
import json

from screening.cli import stores
from screening.cli.output import print_rows, printable
from screening.cli.parser import Parents, change_of, group
from screening.config import Settings
from screening.domain.approvals import PendingChange
from screening.service import approvals

COLUMNS = ("id", "status", "kind", "summary", "requested_by", "display_name", "created_at", "expires_at",
           "decided_by", "decided_at", "reason")


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    actions = group(commands, "approvals", "two-person changes: approve or reject the changes [approvals] holds")
    show_all = actions.add_parser("list", parents=[parents.common, parents.listing],
                                  help="the changes waiting for approval")
    show_all.add_argument("--all", action="store_true", help="every held change, decided and expired too")
    show_all.set_defaults(run=_list)
    show = actions.add_parser("show", parents=[parents.common], help="one held change, with what it would do")
    show.add_argument("id", type=int)
    show.set_defaults(run=_show)
    for name, help_text in (("approve", "approve another user's held change: it takes effect now"),
                            ("reject", "reject a held change: it never takes effect")):
        decide = actions.add_parser(name, parents=[parents.common, parents.change], help=help_text)
        decide.add_argument("id", type=int)
        decide.set_defaults(run=_decide, decision=name)


def _list(args, settings: Settings) -> None:
    with stores.changing(settings) as store:  # changing: expiring those due writes their log entries
        held = approvals.pending(store, store.identity(), args.all)
    print_rows(COLUMNS, [_row(change) for change in held], args.format)


def _show(args, settings: Settings) -> None:
    with stores.changing(settings) as store:
        held = approvals.show(store, store.identity(), args.id)
    for name, value in _row(held).items():
        print(f"{name}: {printable(value)}")
    print(f"payload: {printable(json.dumps(held.payload, ensure_ascii=False, sort_keys=True))}")


def _decide(args, settings: Settings) -> None:
    with stores.changing(settings) as store:
        why = change_of(args, store)
        if args.decision == "reject":
            decided = approvals.reject(store, args.id, why)
        else:
            decided, _ = approvals.approve(store, settings.policies(), args.id, why)
    verb = "approved and applied" if args.decision == "approve" else "rejected"
    print(f"{verb} pending change {decided.id}: {printable(decided.summary)} (requested by "
          f"{printable(decided.requested_by)}, {verb.split()[0]} by {printable(decided.decided_by)})")


def _row(change: PendingChange) -> dict:
    return {"id": change.id, "status": change.status, "kind": change.kind, "summary": change.summary,
            "requested_by": change.requested_by, "display_name": change.display_name,
            "created_at": change.created_at.isoformat(timespec="seconds"),
            "expires_at": change.expires_at.isoformat(timespec="seconds"), "decided_by": change.decided_by,
            "decided_at": change.decided_at.isoformat(timespec="seconds") if change.decided_at else "",
            "reason": change.reason}
