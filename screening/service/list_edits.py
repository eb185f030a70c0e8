"""Edits and removals of list entries, as staff ask for them.

An entry is named by its id (the one `list` shows and `add` prints) or by its
key as staff type it: the inmate and number (and facility) of an approval, a
privileged number, a blocked pattern and its scope, a watched name and its
scope. Watched names are found as the name matcher reads them, so case,
accents and titles do not matter ("SITI AMINAH" is "Siti Aminah").

When the entry is not there, the error says what was likely meant: the same
approval at another facility, the same pattern or name at another scope.

Every edit and removal is one audited change (Store.edit, Store.remove).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from screening.domain.blocklist import Category, Scope, ScopeKind
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, Entry, WatchEntry, check_text
from screening.domain.errors import InvalidEntry
from screening.domain.model import BlockAction, PrivilegedKind
from screening.domain.names import normalize_name
from screening.domain.numbers import parse_list_number
from screening.domain.patterns import load_pattern, parse_pattern
from screening.domain.policy import PolicySet
from screening.domain.watchlist import WatchCategory
from screening.service import block_guards, list_changes
from screening.service.list_changes import ID_LIMIT, NAME_LIMIT, TEXT_LIMIT, parse_expiry, shown_expiry, watch_aliases
from screening.service.ports import EntryNotFound, Store

# What `edit` may change in each list: never the key (that is a remove and an
# add), and the flags that change it, for "nothing to change".
EDITABLE = {
    "allowlist": (("name", "relationship"), "--name or --relationship"),
    "privileged": (("name", "kind"), "--name or --kind"),
    "blocklist": (("category", "action", "source", "expires_at"), "--category, --action, --source or --expires"),
    "watchlist": (("aliases", "category", "action"), "--alias, --no-aliases, --category or --action"),
}

# How staff name an entry by its key, for the errors.
_KEY_WORDS = {"allowlist": "its inmate and number (and --facility)", "privileged": "its number",
              "blocklist": "its pattern (and --scope)", "watchlist": "its name (and --scope)"}
_FIELD_WORDS = {"inmate_id": "the inmate", "number": "the number", "facility_id": "--facility",
                "pattern": "the pattern", "scope": "--scope", "name": "the name"}


@dataclass
class Edit:
    before: Entry
    after: Entry
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        """The fields that changed, as `name: old -> new`."""
        return [f"{name}: {_shown(getattr(self.before, name))} -> {_shown(getattr(self.after, name))}"
                for name in EDITABLE[self.before.LIST][0] if getattr(self.before, name) != getattr(self.after, name)]


def _shown(value) -> str:
    if value is None:
        return "never"
    if isinstance(value, datetime):
        return shown_expiry(value)
    if isinstance(value, tuple):
        return repr(list(value))
    return value.label if hasattr(value, "label") else repr(value)


def remove(store: Store, policies: PolicySet, entry_type: type, why: Change, entry_id: int | None = None,
           **given: str | None) -> Entry:
    """Remove the entry named by its id or its key (`given`: the key fields
    as typed, None when not typed)."""
    key = entry_key(store, policies, entry_type, entry_id, given)
    return _found(store, entry_type, key, "remove", lambda: store.remove(entry_type, key, why))


def edit(store: Store, policies: PolicySet, entry_type: type, why: Change, changes: dict,
         entry_id: int | None = None, **given: str | None) -> Edit:
    """Change `changes` (from the *_changes functions below) of the entry
    named by its id or its key; what is not given stays."""
    if not changes:
        raise InvalidEntry(f"nothing to change: give {EDITABLE[entry_type.LIST][1]}")
    key = entry_key(store, policies, entry_type, entry_id, given)
    edited = Edit(*_found(store, entry_type, key, "edit", lambda: store.edit(entry_type, key, changes, why)))
    if entry_type is AllowlistEntry and edited.before.name != edited.after.name:
        # A new name may be another person than other inmates registered, as on add.
        edited.warnings = list_changes._other_people(store, edited.after)
    return edited


def allowlist_changes(name: str | None = None, relationship: str | None = None) -> dict:
    changes = {}
    if name is not None:
        changes["name"] = check_text("name", name, NAME_LIMIT)
    if relationship is not None:
        changes["relationship"] = check_text("relationship", relationship, ID_LIMIT, required=False)
    return changes


def privileged_changes(name: str | None = None, kind: str | None = None) -> dict:
    changes = {}
    if name is not None:
        changes["name"] = check_text("name", name, NAME_LIMIT)
    if kind is not None:
        changes["kind"] = PrivilegedKind.from_label(kind)
    return changes


def blocklist_changes(category: str | None = None, action: str | None = None, source: str | None = None,
                      expires: str | None = None) -> dict:
    """"never" as the expiry takes it away; a date in the past is refused."""
    changes: dict = {}
    if category:
        changes["category"] = Category.from_label(category)
    if action:
        changes["action"] = BlockAction.from_label(action)
    if source is not None:
        changes["source"] = check_text("source", source, TEXT_LIMIT, required=False)
    if expires:
        changes["expires_at"] = (None if expires.strip().lower() == "never"
                                 else block_guards.future(parse_expiry(expires), expires))
    return changes


def watchlist_changes(aliases: list[str] | None = None, category: str | None = None,
                      action: str | None = None) -> dict:
    """`aliases` replace the entry's aliases ([] takes them all away)."""
    changes: dict = {}
    if aliases is not None:
        changes["aliases"] = watch_aliases(aliases)
    if category:
        changes["category"] = WatchCategory.from_label(category)
    if action:
        changes["action"] = BlockAction.from_label(action)
    return changes


def _found(store: Store, entry_type: type, key: dict, verb: str, do: Callable):
    """do(), or EntryNotFound saying what was likely meant."""
    try:
        return do()
    except EntryNotFound as error:
        if "id" in key:
            raise EntryNotFound(f"{error}: ids are per list, `screening {entry_type.LIST} list` shows them") from None
        hint = _NEAR[entry_type.LIST](store, key, verb)
        raise EntryNotFound(f"no such entry; {hint}" if hint else str(error)) from None


def entry_key(store: Store, policies: PolicySet, entry_type: type, entry_id: int | None, given: dict) -> dict:
    """The store key of the entry named: {"id": N}, or the list's key fields
    read as `add` reads them."""
    typed = [_FIELD_WORDS[field] for field, value in given.items() if value is not None]
    if entry_id is not None:
        if typed:
            raise InvalidEntry(f"--id names the entry, so leave out {' and '.join(typed)}: it only names an entry "
                               f"by its key (to change it, remove the entry and add it again)")
        return {"id": entry_id}
    return _KEYS[entry_type.LIST](store, policies, given)


def _required(given: dict, list_name: str, *fields: str) -> list[str]:
    if any(given.get(field) is None for field in fields):
        raise InvalidEntry(f"name the {list_name} entry by {_KEY_WORDS[list_name]}, or by --id")
    return [given[field] for field in fields]


def _allowlist_key(store: Store, policies: PolicySet, given: dict) -> dict:
    inmate, number = _required(given, "allowlist", "inmate_id", "number")
    facility = check_text("facility", given.get("facility_id") or "", ID_LIMIT, required=False)
    return {"inmate_id": check_text("inmate id", inmate, ID_LIMIT), "facility_id": facility,
            "number": parse_list_number(number, policies.for_facility(facility).region).e164}


def _privileged_key(store: Store, policies: PolicySet, given: dict) -> dict:
    [number] = _required(given, "privileged", "number")
    return {"number": parse_list_number(number, policies.default.region).e164}


def _blocklist_key(store: Store, policies: PolicySet, given: dict) -> dict:
    [pattern] = _required(given, "blocklist", "pattern")
    scope = _scope(given)
    facility = scope.value if scope.kind is ScopeKind.FACILITY else ""
    return {"pattern": parse_pattern(pattern, policies.for_facility(facility).region).text, "scope": str(scope)}


def _watchlist_key(store: Store, policies: PolicySet, given: dict) -> dict:
    """The name as stored: exactly as typed, else the one entry of the scope
    whose name normalizes the same; several such is ambiguous."""
    [name] = _required(given, "watchlist", "name")
    name, scope = check_text("name", name, NAME_LIMIT), str(_scope(given))
    in_scope = list(store.entries(WatchEntry, scope=scope))
    if any(entry.name == name for entry in in_scope):
        return {"name": name, "scope": scope}
    alike = _same_name(in_scope, name)
    if len(alike) > 1:
        shown = ", ".join(f"{entry.id} ({entry.name!r})" for entry in alike)
        raise InvalidEntry(f"{name!r} matches {len(alike)} watchlist entries at scope {scope}: {shown}; "
                           f"give --id")
    return {"name": alike[0].name if alike else name, "scope": scope}


def _scope(given: dict) -> Scope:
    scope = Scope.parse(given.get("scope") or "")
    return Scope(scope.kind, check_text("scope", scope.value, ID_LIMIT, required=False))


def _same_name(entries: list[WatchEntry], name: str) -> list[WatchEntry]:
    wanted = normalize_name(name)
    return [entry for entry in entries if wanted and normalize_name(entry.name) == wanted]


_KEYS = {"allowlist": _allowlist_key, "privileged": _privileged_key, "blocklist": _blocklist_key,
         "watchlist": _watchlist_key}


# What was likely meant, when an entry named by its key is not there: a
# sentence, or None when nothing near is found.

def _near_allowlist(store: Store, key: dict, verb: str) -> str | None:
    inmate, number = key["inmate_id"], key["number"]
    others = list(store.entries(AllowlistEntry, inmate_id=inmate, number=number))
    if others:
        where = ", ".join(f"{_facility(e.facility_id)} (entry {e.id})" for e in others)
        flag = ("leave out --facility" if others[0].facility_id == "" else f"add --facility {others[0].facility_id}")
        return f"inmate {inmate} has {number} approved {where}: {flag} (or {verb} --id {others[0].id})"
    inmates = sorted({e.inmate_id for e in store.entries(AllowlistEntry, number=number)})
    if inmates:
        return f"{number} is approved for inmate(s) {', '.join(inmates[:10])}, not {inmate}"
    return None


def _facility(facility_id: str) -> str:
    return f"at facility {facility_id}" if facility_id else "at every facility"


def _near_blocklist(store: Store, key: dict, verb: str) -> str | None:
    pattern = key["pattern"]
    others = list(store.entries(BlockEntry, pattern=pattern))
    if others:
        return f"{pattern} is blocked {_at_scopes(others, verb)}"
    if pattern[1:].isdigit():  # a number: maybe a blocked pattern covers it
        with store.read_lists() as rows:  # raw rows, read not held: the blocklist may be millions
            covering = [f"{text} ({scope}, entry {entry_id})" for entry_id, text, _, _, scope, _ in rows.blocklist
                        if not text[1:].isdigit() and load_pattern(text).matches(pattern)]
        if covering:
            return f"{pattern} is not blocked on its own but inside the blocked pattern(s) {', '.join(covering)}"
    return None


def _near_watchlist(store: Store, key: dict, verb: str) -> str | None:
    name, entries = key["name"], list(store.entries(WatchEntry))
    others = _same_name(entries, name)
    if others:
        return f"{name!r} is watched {_at_scopes(others, verb)}"
    wanted = normalize_name(name)
    aliased = [e for e in entries if wanted and any(normalize_name(alias) == wanted for alias in e.aliases)]
    if aliased:
        shown = ", ".join(f"{e.name!r} (entry {e.id}, {e.scope})" for e in aliased)
        return f"{name!r} is an alias of {shown}: name the entry by its name or --id"
    return None


def _at_scopes(entries: list, verb: str) -> str:
    """"at scope S (entry N): give --scope S (or VERB --id N)", for one or several scopes."""
    where = ", ".join(f"{e.scope} (entry {e.id})" for e in entries)
    if len(entries) > 1:
        return f"at scopes {where}: give --scope with one of them (or {verb} --id N)"
    scope = str(entries[0].scope)
    flag = "leave out --scope" if scope == "global" else f"give --scope {scope}"
    return f"at scope {where}: {flag} (or {verb} --id {entries[0].id})"


_NEAR = {"allowlist": _near_allowlist, "privileged": lambda store, key, verb: None, "blocklist": _near_blocklist,
         "watchlist": _near_watchlist}
