"""`screening allowlist|privileged|blocklist|watchlist add|remove|list`: the
lists, one entry at a time.

Adding and removing work alike on every list: open the store, call a
`list_changes` function, print one line saying what was done and then the
warnings. CHANGES says, for each (list, action), what differs: the arguments,
the call and the line. One handler, `_change`, runs them all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from screening.cli import list_show, stores
from screening.cli.parser import Parents, change_of, group
from screening.config import Settings
from screening.domain.blocklist import Category
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, Entry, PrivilegedEntry, WatchEntry
from screening.domain.model import PrivilegedKind
from screening.domain.policy import PolicySet
from screening.domain.watchlist import WatchCategory
from screening.service import list_changes
from screening.service.ports import Store


@dataclass(frozen=True)
class Argument:
    """One add_argument call."""
    flags: tuple[str, ...]
    options: dict


def arg(*flags: str, **options) -> Argument:
    return Argument(flags, options)


@dataclass(frozen=True)
class ListSpec:
    entry_type: type
    help: str  # of `screening LIST`
    list_help: str  # of `screening LIST list` (its filters: cli.list_show)


@dataclass(frozen=True)
class ChangeCommand:
    help: str
    arguments: tuple[Argument, ...]
    # (store, policies, args, change) -> list_changes.Result (added, with warnings) or the Entry removed
    call: Callable[[Store, PolicySet, argparse.Namespace, Change], list_changes.Result | list_changes.Edit | Entry]
    done: str  # the line printed, str.format()ted with the entry


LISTS = {
    "allowlist": ListSpec(AllowlistEntry, "per-inmate approved numbers", "show approved numbers"),
    "privileged": ListSpec(PrivilegedEntry, "lawyers, legal aid, embassies: allowed, never recorded",
                           "show privileged numbers"),
    "blocklist": ListSpec(BlockEntry, "numbers and patterns no inmate may call", "show blocked numbers"),
    "watchlist": ListSpec(WatchEntry, "people and organisations inmates must not reach, by name",
                          "show the watchlist"),
}

_SCOPE = arg("--scope", default="global", help="global, facility:ID or inmate:ID")
_REMOVED_NUMBER = "removed {entry.LIST} entry {entry.id}: {entry.number}"

CHANGES = {
    ("allowlist", "add"): ChangeCommand(
        "approve a number for an inmate",
        (arg("inmate_id"), arg("number"), arg("--name", required=True, help="who the number belongs to"),
         arg("--relationship", default="", help="e.g. mother, wife, brother"),
         arg("--facility", default="", help="limit to one facility (default: every facility)")),
        lambda store, policies, a, why: list_changes.add_allowlist(
            store, policies, a.inmate_id, a.number, a.name, a.relationship, a.facility, why),
        "approved: {entry.number} ({entry.LIST} entry {entry.id})"),
    ("allowlist", "remove"): ChangeCommand(
        "withdraw an approval",
        (arg("inmate_id"), arg("number"), arg("--facility", default="")),
        lambda store, policies, a, why: list_changes.remove(
            store, policies, AllowlistEntry, a.number, why, inmate_id=a.inmate_id, facility_id=a.facility),
        _REMOVED_NUMBER),
    ("privileged", "add"): ChangeCommand(
        "add a privileged number",
        (arg("number"), arg("--name", required=True),
         arg("--kind", default="other", choices=[k.label for k in PrivilegedKind])),
        lambda store, policies, a, why: list_changes.add_privileged(store, policies, a.number, a.name, a.kind, why),
        "added privileged number: {entry.number} ({entry.LIST} entry {entry.id})"),
    ("privileged", "remove"): ChangeCommand(
        "remove a privileged number",
        (arg("number"),),
        lambda store, policies, a, why: list_changes.remove(store, policies, PrivilegedEntry, a.number, why),
        _REMOVED_NUMBER),
    ("blocklist", "add"): ChangeCommand(
        "block a number or pattern",
        (arg("pattern", help="number, prefix (+62809*), wildcard (+6281234567??) or range (A..B)"),
         arg("--category", default="fraud", choices=[c.label for c in Category]),
         arg("--action", default="deny", choices=["deny", "review"]),
         arg("--source", default="", help="where it comes from, e.g. a police report number"),
         _SCOPE,
         arg("--expires", default="", help="ISO date (matches through that day, UTC) or date and time; "
                                           "not in the past"),
         arg("--force", action="store_true", help="block a pattern that fixes fewer digits after the country "
                                                  "code than the minimum (default: refused)")),
        lambda store, policies, a, why: list_changes.add_blocked(
            store, policies, a.pattern, a.category, a.action, why, a.source, a.scope, a.expires, a.force),
        "blocked: {entry.pattern} ({entry.LIST} entry {entry.id})"),
    ("blocklist", "remove"): ChangeCommand(
        "unblock a number or pattern",
        (arg("pattern"), arg("--scope", default="global")),
        lambda store, policies, a, why: list_changes.remove_blocked(store, policies, a.pattern, a.scope, why),
        "removed {entry.LIST} entry {entry.id}: {entry.pattern}"),
    ("blocklist", "edit"): ChangeCommand(
        "change a blocked number's or pattern's category, action, source or expiry",
        (arg("pattern"), arg("--scope", default="global"),
         arg("--category", default="", choices=["", *(c.label for c in Category)]),
         arg("--action", default="", choices=["", "deny", "review"]),
         arg("--source", default=None, help="where it comes from, e.g. a police report number"),
         arg("--expires", default="", help="ISO date (matches through that day, UTC), date and time, or never")),
        lambda store, policies, a, why: list_changes.edit_blocked(
            store, policies, a.pattern, a.scope, why, a.category, a.action, a.source, a.expires),
        "edited {entry.LIST} entry {entry.id}: {entry.pattern}"),
    ("watchlist", "add"): ChangeCommand(
        "watch for a name",
        (arg("name"), arg("--alias", action="append", default=[], help="another name or spelling (repeatable)"),
         arg("--category", default="other", choices=[c.label for c in WatchCategory]),
         arg("--action", default="review", choices=["deny", "review"]),
         _SCOPE),
        lambda store, policies, a, why: list_changes.add_watch(
            store, a.name, a.alias, a.category, a.action, a.scope, why),
        "watching: {entry.name!r} ({entry.LIST} entry {entry.id})"),
    ("watchlist", "remove"): ChangeCommand(
        "stop watching for a name",
        (arg("name"), arg("--scope", default="global")),
        lambda store, policies, a, why: list_changes.remove_watch(store, a.name, a.scope, why),
        "removed {entry.LIST} entry {entry.id}: {entry.name!r}"),
}


def register(commands: argparse._SubParsersAction, parents: Parents) -> dict[str, argparse._SubParsersAction]:
    """`screening LIST add|remove|list` for every list; returns each list's
    actions, for the import and export added after them."""
    actions = {}
    for name, kind in LISTS.items():
        actions[name] = group(commands, name, kind.help)
        for action in [action for (list_name, action) in CHANGES if list_name == name]:
            command = CHANGES[name, action]
            parser = actions[name].add_parser(action, parents=[parents.common, parents.change], help=command.help)
            _add_arguments(parser, command.arguments)
            parser.set_defaults(run=_change, change_command=command)
        list_show.register(actions[name], name, kind.entry_type, kind.list_help, parents)
    return actions


def _add_arguments(parser: argparse.ArgumentParser, arguments: tuple[Argument, ...]) -> None:
    for argument in arguments:
        parser.add_argument(*argument.flags, **argument.options)


def _change(args, settings: Settings) -> None:
    command: ChangeCommand = args.change_command
    with stores.changing(settings) as store:
        result = command.call(store, settings.policies(), args, change_of(args))
    if isinstance(result, list_changes.Edit):
        _edited(command, result)
        return
    added = isinstance(result, list_changes.Result)
    print(command.done.format(entry=result.entry if added else result))
    for warning in result.warnings if added else ():
        print(f"screening: warning: {warning}", file=sys.stderr)


def _edited(command: ChangeCommand, edit: list_changes.Edit) -> None:
    if not edit.changed:
        print(f"nothing changed: {edit.after.LIST} entry {edit.after.id} is already so")
        return
    print(command.done.format(entry=edit.after) + " (" + "; ".join(edit.changed) + ")")

