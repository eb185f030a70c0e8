"""`screening approvals list|show|approve|reject|policy`: the changes the
approval policy holds until a second, different identity approves them
(service/approvals.py), and that policy, kept in the store
(service/approval_policy.py).

Who approves is the store's identity (the OS user, or the PostgreSQL role),
never a flag: one's own request cannot be approved. The policy binds the
store: a config's [approvals] can raise it (`in_force`, run by every
command that changes the lists), never lower it.
"""

from __future__ import annotations

import argparse
import json

from screening.cli import stores
from screening.cli.output import print_rows, printable
from screening.cli.parser import Parents, change_of, group
from screening.config import Settings
from screening.domain import approvals as rules
from screening.domain.approvals import ApprovalPolicy, PendingChange, StoredPolicy
from screening.domain.entries import Change
from screening.service import approval_policy, approvals
from screening.service.ports import Store

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
    policy = actions.add_parser("policy", parents=[parents.common],
                                help="show the approval policy kept in the store; with flags, set it (a raise "
                                     "at once, a lowering held for another user)")
    policy.add_argument("--require", action="append", choices=rules.KINDS, metavar="KIND",
                        help=f"a kind of change to hold (repeatable; {', '.join(rules.KINDS)})")
    policy.add_argument("--expire-hours", type=float, help="hours a held change waits (default: 72)")
    policy.add_argument("--none", action="store_true", help="hold nothing (a lowering: held for another user)")
    policy.add_argument("--reason", help="why (audited); needed with --require or --none")
    policy.add_argument("--actor", help="a display name shown beside who really sets it (the OS user, or the "
                                        "PostgreSQL role), which it never replaces")
    policy.set_defaults(run=_policy)


def in_force(store: Store, settings: Settings) -> ApprovalPolicy:
    """The policy binding a changing command: the store's, raised to the
    config's [approvals] where that asks for more (never lowered by it)."""
    why = Change(store.identity(), "the config's [approvals] asks for more than the store held")
    return approval_policy.in_force(store, settings.approval_policy(), why)


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
        in_force(store, settings)
        if args.decision == "reject":
            decided = approvals.reject(store, args.id, why)
        else:
            decided, _ = approvals.approve(store, settings.policies(), args.id, why)
    verb = "approved and applied" if args.decision == "approve" else "rejected"
    print(f"{verb} pending change {decided.id}: {printable(decided.summary)} (requested by "
          f"{printable(decided.requested_by)}, {verb.split()[0]} by {printable(decided.decided_by)})")


def _policy(args, settings: Settings) -> None:
    wanted = _wanted(args)
    if wanted is None:
        with stores.reading(settings) as store:
            _show_policy(store.approval_policy())
        return
    with stores.changing(settings) as store:
        why = change_of(args, store)
        in_force(store, settings)
        result = approval_policy.set_policy(store, wanted, why)
        if isinstance(result, PendingChange):
            print(held_line(result))
        elif result is None:
            print(f"nothing changed: the approval policy is already {rules.shown(wanted)}")
        else:
            print(f"approval policy raised: {rules.shown(result.policy)} (change-log version {result.version})")


def _wanted(args) -> ApprovalPolicy | None:
    """The policy the flags ask for, None when none is given (show it)."""
    if args.none and (args.require or args.expire_hours is not None):
        raise approvals.ApprovalError("--none holds nothing: give it alone, or --require KIND ...")
    if not args.none and not args.require:
        if args.expire_hours is not None:
            raise approvals.ApprovalError("--expire-hours needs the kinds held: give --require KIND ...")
        return None
    if args.reason is None:
        raise approvals.ApprovalError("setting the approval policy needs --reason R (audited)")
    if args.none:
        return rules.NO_APPROVALS
    table = {"require": args.require, **({} if args.expire_hours is None else {"expire_hours": args.expire_hours})}
    try:
        return rules.policy_of(table)
    except rules.ApprovalsError as error:
        raise approvals.ApprovalError(str(error).replace("[approvals] expire_hours", "--expire-hours")) from None


def _show_policy(stored: StoredPolicy | None) -> None:
    if stored is None:
        print("policy: none kept in the store: nothing held until a config's [approvals] or "
              "`screening approvals policy --require KIND ...` sets one")
        return
    print(f"policy: {rules.shown(stored.policy)}")
    print(f"set_by: {printable(stored.set_by)}")
    print(f"version: {stored.version} (`screening audit --list approvals` shows how it came to be)")
    print("lowered only by a second user: `screening approvals policy --require ... | --none --reason R`, "
          "then another user's `screening approvals approve ID`")


def held_line(held: PendingChange) -> str:
    """What a held change prints: nothing changed yet, and what happens next."""
    return (f"pending approval {held.id}: {printable(held.summary)}; nothing changes until another user runs "
            f"`screening approvals approve {held.id} --reason ...` (before "
            f"{held.expires_at.isoformat(timespec='seconds')})")


def _row(change: PendingChange) -> dict:
    return {"id": change.id, "status": change.status, "kind": change.kind, "summary": change.summary,
            "requested_by": change.requested_by, "display_name": change.display_name,
            "created_at": change.created_at.isoformat(timespec="seconds"),
            "expires_at": change.expires_at.isoformat(timespec="seconds"), "decided_by": change.decided_by,
            "decided_at": change.decided_at.isoformat(timespec="seconds") if change.decided_at else "",
            "reason": change.reason}
