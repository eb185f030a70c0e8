"""`screening allowlist|privileged|blocklist|watchlist add|remove|edit|list`:
the lists, one entry at a time.

Adding, removing and editing work alike on every list: open the store, call
a `list_changes` or `list_edits` function, print one line saying what was
done and then the warnings. `remove` and `edit` name the entry by its key
fields or by --id. CHANGES says, for each (list, action), what differs: the arguments,
the call and the line. One handler, `_change`, runs them all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from screening.cli import approvals as cli_approvals, list_show, stores
from screening.cli.approvals import held_line
from screening.cli.parser import Parents, change_of, group
from screening.config import Settings
from screening.domain.approvals import PendingChange
from screening.domain.blocklist import Category
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, Entry, PrivilegedEntry, WatchEntry
from screening.domain.model import PrivilegedKind
from screening.domain.policy import PolicySet
from screening.domain.watchlist import WatchCategory
from screening.service import approvals, list_changes, list_edits
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
    call: Callable[[Store, PolicySet, argparse.Namespace, Change], list_changes.Result | list_edits.Edit | Entry]
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
_KEY_SCOPE = arg("--scope", help="the entry's scope: global, facility:ID or inmate:ID (default: global)")
_KEY_FACILITY = arg("--facility", help="the facility the approval is limited to (default: every facility)")
_ID = arg("--id", type=int, help="the entry's id, as `list` shows it (instead of its key)")
_REMOVED_NUMBER = "removed {entry.LIST} entry {entry.id}: {entry.number}"
_ACTIONS = ["deny", "review"]


class _KeyField(argparse.Action):
    """A key field given to `edit`: refused, since changing it makes another entry."""

    def __init__(self, option_strings, dest, **options):
        super().__init__(option_strings, dest, nargs="?", help=argparse.SUPPRESS, **options)

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(f"{option_string}: a key field names the entry and cannot be edited: remove the entry and "
                     f"add it again")


def _key_field(flag: str) -> Argument:
    return arg(flag, action=_KeyField, dest=f"key_{flag[2:]}")


def _edit(entry_type: type, given: Callable[[argparse.Namespace], dict],
          changes: Callable[[argparse.Namespace], dict]) -> Callable:
    """The call of `LIST edit`: the entry named by --id or its key, changed as asked."""
    return lambda store, policies, a, why: list_edits.edit(store, policies, entry_type, why, changes(a), a.id,
                                                           **given(a))


def _remove(entry_type: type, given: Callable[[argparse.Namespace], dict]) -> Callable:
    return lambda store, policies, a, why: list_edits.remove(store, policies, entry_type, why, a.id, **given(a))


# The changes [approvals] may hold for a second identity (service/approvals.py):
# `a.approvals` is the policy, set by _change.

def _held_remove(entry_type: type, given: Callable[[argparse.Namespace], dict]) -> Callable:
    return lambda store, policies, a, why: approvals.remove(store, policies, a.approvals, entry_type, why, a.id,
                                                            **given(a))


def _held_edit(entry_type: type, given: Callable[[argparse.Namespace], dict],
               typed: Callable[[argparse.Namespace], dict]) -> Callable:
    """typed(args): the changes as typed, the keywords of list_edits' *_changes."""
    def call(store, policies, a, why):
        changes = approvals.EDITS[entry_type.LIST](**typed(a))
        return approvals.edit(store, policies, a.approvals, entry_type, why, typed(a), changes, a.id, **given(a))
    return call


# How each list's entry is named when --id does not: its key fields, and
# what they are as typed (None when not typed).
_APPROVAL = (arg("inmate_id", nargs="?"), arg("number", nargs="?"), _KEY_FACILITY, _ID)
_NUMBER = (arg("number", nargs="?"), _ID)
_PATTERN = (arg("pattern", nargs="?"), _KEY_SCOPE, _ID)
_NAME = (arg("name", nargs="?", help="matched as names are: case, accents and titles do not matter"),
         _KEY_SCOPE, _ID)


def _approval(a: argparse.Namespace) -> dict:
    return {"inmate_id": a.inmate_id, "number": a.number, "facility_id": a.facility}


def _number(a: argparse.Namespace) -> dict:
    return {"number": a.number}


def _pattern(a: argparse.Namespace) -> dict:
    return {"pattern": a.pattern, "scope": a.scope}


def _name(a: argparse.Namespace) -> dict:
    return {"name": a.name, "scope": a.scope}


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
        "withdraw an approval (give its inmate and number, or --id)", _APPROVAL,
        _remove(AllowlistEntry, _approval), _REMOVED_NUMBER),
    ("allowlist", "edit"): ChangeCommand(
        "change an approval's name or relationship (give its inmate and number, or --id)",
        (*_APPROVAL, arg("--name", help="who the number belongs to"),
         arg("--relationship", help="e.g. mother, wife, brother (\"\" takes it away)"),
         _key_field("--number"), _key_field("--inmate")),
        _edit(AllowlistEntry, _approval, lambda a: list_edits.allowlist_changes(a.name, a.relationship)),
        "edited {entry.LIST} entry {entry.id}: {entry.number}"),
    ("privileged", "add"): ChangeCommand(
        "add a privileged number",
        (arg("number"), arg("--name", required=True),
         arg("--kind", default="other", choices=[k.label for k in PrivilegedKind])),
        lambda store, policies, a, why: approvals.privileged_add(store, policies, a.approvals, a.number, a.name,
                                                                 a.kind, why),
        "added privileged number: {entry.number} ({entry.LIST} entry {entry.id})"),
    ("privileged", "remove"): ChangeCommand(
        "remove a privileged number (give it, or --id)", _NUMBER, _remove(PrivilegedEntry, _number),
        _REMOVED_NUMBER),
    ("privileged", "edit"): ChangeCommand(
        "change a privileged number's name or kind (give it, or --id)",
        (*_NUMBER, arg("--name"), arg("--kind", choices=[k.label for k in PrivilegedKind]),
         _key_field("--number")),
        _edit(PrivilegedEntry, _number, lambda a: list_edits.privileged_changes(a.name, a.kind)),
        "edited {entry.LIST} entry {entry.id}: {entry.number}"),
    ("blocklist", "add"): ChangeCommand(
        "block a number or pattern",
        (arg("pattern", help="number, prefix (+62809*), wildcard (+6281234567??) or range (A..B)"),
         arg("--category", default="fraud", choices=[c.label for c in Category]),
         arg("--action", default="deny", choices=_ACTIONS),
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
        "unblock a number or pattern (give it and its --scope, or --id)", _PATTERN,
        _held_remove(BlockEntry, _pattern), "removed {entry.LIST} entry {entry.id}: {entry.pattern}"),
    ("blocklist", "edit"): ChangeCommand(
        "change a blocked number's or pattern's category, action, source or expiry (give it and its --scope, "
        "or --id)",
        (*_PATTERN, arg("--category", choices=[c.label for c in Category]), arg("--action", choices=_ACTIONS),
         arg("--source", help="where it comes from, e.g. a police report number"),
         arg("--expires", help="ISO date (matches through that day, UTC), date and time, or never"),
         _key_field("--pattern")),
        _held_edit(BlockEntry, _pattern, lambda a: {"category": a.category, "action": a.action, "source": a.source,
                                                    "expires": a.expires}),
        "edited {entry.LIST} entry {entry.id}: {entry.pattern}"),
    ("watchlist", "add"): ChangeCommand(
        "watch for a name",
        (arg("name"), arg("--alias", action="append", default=[], help="another name or spelling (repeatable)"),
         arg("--category", default="other", choices=[c.label for c in WatchCategory]),
         arg("--action", default="review", choices=_ACTIONS),
         _SCOPE),
        lambda store, policies, a, why: list_changes.add_watch(
            store, a.name, a.alias, a.category, a.action, a.scope, why),
        "watching: {entry.name!r} ({entry.LIST} entry {entry.id})"),
    ("watchlist", "remove"): ChangeCommand(
        "stop watching for a name (give it and its --scope, or --id)", _NAME, _held_remove(WatchEntry, _name),
        "removed {entry.LIST} entry {entry.id}: {entry.name!r}"),
    ("watchlist", "edit"): ChangeCommand(
        "change a watched name's aliases, category or action (give it and its --scope, or --id)",
        (*_NAME, arg("--alias", action="append", help="the aliases, replacing the old ones (repeatable)"),
         arg("--no-aliases", action="store_const", const=[], dest="alias", help="take every alias away"),
         arg("--category", choices=[c.label for c in WatchCategory]), arg("--action", choices=_ACTIONS),
         _key_field("--name")),
        _held_edit(WatchEntry, _name, lambda a: {"aliases": a.alias, "category": a.category, "action": a.action}),
        "edited {entry.LIST} entry {entry.id}: {entry.name!r}"),
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
        args.approvals = cli_approvals.in_force(store, settings)  # the store's policy, raised by the config's
        result = command.call(store, settings.policies(), args, change_of(args, store))
    if isinstance(result, PendingChange):
        print(held_line(result))
        return
    if isinstance(result, list_edits.Edit):
        _edited(command, result)
        return
    added = isinstance(result, list_changes.Result)
    print(command.done.format(entry=result.entry if added else result))
    for warning in result.warnings if added else ():
        print(f"screening: warning: {warning}", file=sys.stderr)


def _edited(command: ChangeCommand, edit: list_edits.Edit) -> None:
    if not edit.changed:
        print(f"nothing changed: {edit.after.LIST} entry {edit.after.id} is already so")
        return
    print(command.done.format(entry=edit.after) + " (" + "; ".join(edit.changed) + ")")
    for warning in edit.warnings:
        print(f"screening: warning: {warning}", file=sys.stderr)

