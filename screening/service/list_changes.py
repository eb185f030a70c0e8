"""Changes to the lists, as staff ask for them: validated, normalized, stored,
with warnings about conflicts between lists.

The CLI calls these; later entry points (bulk imports) reuse them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from screening.domain.blocklist import Category, Scope, ScopeKind
from screening.domain.contacts import conflicting
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, Entry, PrivilegedEntry, WatchEntry, check_text
from screening.domain.errors import InvalidEntry
from screening.domain.model import BlockAction, PrivilegedKind
from screening.domain.names import normalize_name
from screening.domain.numbers import parse_list_number
from screening.domain.patterns import parse_pattern
from screening.domain.policy import PolicySet
from screening.domain.quick_numbers import quick_e164
from screening.domain.watchlist import WatchCategory
from screening.service import block_guards
from screening.service.ports import Store

# Longest values accepted, in characters (README "Admin CLI").
ID_LIMIT = 64
NAME_LIMIT = 200
TEXT_LIMIT = 500


@dataclass
class Result:
    entry: Entry
    warnings: list[str] = field(default_factory=list)


def change(actor: str, reason: str, display_name: str = "") -> Change:
    """actor: the identity (Store.identity); display_name: what staff call
    themselves (--actor), kept beside it in the change log, never instead."""
    details = {"display_name": check_text("--actor", display_name, ID_LIMIT)} if display_name else {}
    return Change(check_text("actor", actor, ID_LIMIT), check_text("reason", reason, TEXT_LIMIT), details)


def add_allowlist(store: Store, policies: PolicySet, inmate_id: str, number: str, name: str,
                  relationship: str, facility_id: str, why: Change) -> Result:
    entry = allowlist_entry(policies, inmate_id, number, name, relationship, facility_id)
    warnings = (_conflicts(store, entry.number, skip=AllowlistEntry) + _other_people(store, entry)
                + block_guards.in_blocked_patterns(store, entry.number))
    return Result(store.add(entry, why), warnings)


def _other_people(store: Store, entry: AllowlistEntry) -> list[str]:
    """Registrations of this number by other inmates under another person's name."""
    others = [(e.inmate_id, e.name) for e in store.entries(AllowlistEntry, number=entry.number)
              if e.inmate_id != entry.inmate_id]
    return [f"{entry.number} is also registered by inmate {inmate} as {name!r}, not the same person as "
            f"{entry.name!r}: the shared-number rule will flag calls to it"
            for inmate, name in conflicting(entry.name, others)]


def watch_entry(name: str, aliases: list[str] | tuple[str, ...], category: str, action: str,
                scope: str = "") -> WatchEntry:
    """A validated watchlist entry, as the CLI and imports build them."""
    parsed_scope = Scope.parse(scope)
    entry = WatchEntry(
        name=check_text("name", name, NAME_LIMIT),
        aliases=watch_aliases(aliases),
        category=WatchCategory.from_label(category or "other"),
        action=BlockAction.from_label(action or "review"),
        scope=Scope(parsed_scope.kind, check_text("scope", parsed_scope.value, ID_LIMIT, required=False)),
    )
    _has_name(entry.name)
    return entry


def watch_aliases(aliases: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validated watchlist aliases, blank ones left out."""
    cleaned = tuple(check_text("alias", alias, NAME_LIMIT) for alias in aliases if alias.strip())
    for alias in cleaned:
        _has_name(alias)
    return cleaned


def _has_name(text: str) -> None:
    if not normalize_name(text):
        raise InvalidEntry(f"{text!r} has no name left once titles and punctuation are taken off")


def add_watch(store: Store, name: str, aliases: list[str], category: str, action: str, scope: str,
              why: Change) -> Result:
    return Result(store.add(watch_entry(name, aliases, category, action, scope), why))


def allowlist_entry(policies: PolicySet, inmate_id: str, number: str, name: str, relationship: str,
                    facility_id: str) -> AllowlistEntry:
    """A validated approval, as the CLI and imports build them."""
    facility_id = check_text("facility", facility_id, ID_LIMIT, required=False)
    e164 = _list_number(number, policies.for_facility(facility_id).region)
    return AllowlistEntry(
        inmate_id=check_text("inmate id", inmate_id, ID_LIMIT),
        number=e164,
        name=check_text("name", name, NAME_LIMIT),
        relationship=check_text("relationship", relationship, ID_LIMIT, required=False),
        facility_id=facility_id,
    )


def add_privileged(store: Store, policies: PolicySet, number: str, name: str, kind: str, why: Change) -> Result:
    entry = privileged_entry(policies, number, name, kind)
    e164 = entry.number
    warnings = _conflicts(store, e164, skip=PrivilegedEntry) + block_guards.in_blocked_patterns(store, e164)
    return Result(store.add(entry, why), warnings)


def privileged_entry(policies: PolicySet, number: str, name: str, kind: str) -> PrivilegedEntry:
    """A validated privileged number, as `privileged add` builds it."""
    return PrivilegedEntry(number=parse_list_number(number, policies.default.region).e164,
                           name=check_text("name", name, NAME_LIMIT), kind=PrivilegedKind.from_label(kind))


def add_blocked(store: Store, policies: PolicySet, pattern: str, category: str, action: str, why: Change,
                source: str = "", scope: str = "", expires: str = "", force: bool = False) -> Result:
    """Block a number or pattern; a pattern broader than the minimum is
    refused unless forced, and an expiry in the past always is."""
    entry = block_entry(policies, pattern, category, action, source, scope, expires)
    block_guards.future(entry.expires_at, expires)
    warnings = _conflicts(store, entry.pattern, skip=BlockEntry) if entry.pattern[1:].isdigit() else []
    warnings += block_guards.pattern_warnings(store, entry, force)
    return Result(store.add(entry, why), warnings)


def block_entry(policies: PolicySet, pattern: str, category: str, action: str, source: str = "",
                scope: str = "", expires: str = "") -> BlockEntry:
    """A validated blocklist entry, as the CLI and imports build them."""
    parsed_scope = Scope.parse(scope)
    facility = parsed_scope.value if parsed_scope.kind is ScopeKind.FACILITY else ""
    return BlockEntry(
        pattern=_pattern_text(pattern, policies.for_facility(facility).region),
        category=Category.from_label(category or "fraud"),
        action=BlockAction.from_label(action or "deny"),
        source=check_text("source", source, TEXT_LIMIT, required=False),
        scope=Scope(parsed_scope.kind, check_text("scope", parsed_scope.value, ID_LIMIT, required=False)),
        expires_at=parse_expiry(expires),
    )


def parse_expiry(text: str) -> datetime | None:
    """ISO 8601: a date D matches through D (expires when D+1 begins, UTC);
    a date and time without an offset is UTC."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text) + timedelta(days=1), time(0), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidEntry(f"expiry {text!r} is not an ISO 8601 date (2026-12-31) or date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def shown_expiry(moment: datetime) -> str:
    """An expiry as staff gave it: the store keeps the moment it ends (a date
    D is kept as D+1 00:00 UTC, so matching compares instants), and a
    midnight UTC reads back as the last day that matches, D."""
    moment = moment.astimezone(UTC)
    if moment.time() == time(0):
        return (moment.date() - timedelta(days=1)).isoformat()
    return moment.isoformat(timespec="seconds")


def _list_number(text: str, region: str) -> str:
    """parse_list_number(text, region).e164; the common forms read quickly (imports)."""
    return quick_e164(text, region) or parse_list_number(text, region).e164


def _pattern_text(text: str, region: str) -> str:
    """parse_pattern(text, region).text; plain numbers in the common forms read quickly (imports)."""
    return quick_e164(text, region) or parse_pattern(text, region).text


def _conflicts(store: Store, e164: str, skip: type) -> list[str]:
    """What other lists say about this number, for staff to resolve."""
    warnings = []
    if skip is not BlockEntry:
        for entry in store.entries(BlockEntry, pattern=e164):
            warnings.append(f"{e164} is on the blocklist ({entry.action.label}, {entry.scope}, entry {entry.id}): "
                            f"a blocklist deny wins over every other list")
    if skip is not PrivilegedEntry:
        for entry in store.entries(PrivilegedEntry, number=e164):
            warnings.append(f"{e164} is a privileged number ({entry.name}, entry {entry.id})")
    if skip is not AllowlistEntry:
        inmates = sorted({entry.inmate_id for entry in store.entries(AllowlistEntry, number=e164)})
        if inmates:
            shown = ", ".join(inmates[:10]) + (" ..." if len(inmates) > 10 else "")
            warnings.append(f"{e164} is on the approved lists of {len(inmates)} inmate(s): {shown}")
    return warnings
