"""The lists as staff look them up: `LIST list` and its filters.

Each filter is read the way the list's changes read it: a number in any
form, normalized with the facility's (else the default) region; a category
or kind by its label; a scope as global, facility:ID or inmate:ID. What can
be is then asked of the store as equal fields (Store.entries), so that a
police blocklist of 100k+ entries is not read whole to find a few.

On the blocklist, a number finds the entries that MATCH it, as the engine
would: its exact entry and every prefix, wildcard and range that covers it
("is this number blocked, and why"). On the watchlist, a name finds the
entries the engine's name matcher would flag for it, best first.

Expired entries are listed like the others unless `expired` asks for only
them: they are still stored, their key is taken (adding the same pattern
again is refused) and `edit --expires` can bring them back, so a listing
that hid them would hide what is there. The Listing counts them, for the
CLI to say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from screening.domain.blocklist import Category, Scope, ScopeKind
from screening.domain.entries import BlockEntry, Entry, WatchEntry, check_text
from screening.domain.errors import InvalidEntry
from screening.domain.model import PrivilegedKind
from screening.domain.names import NameIndex, normalize_name
from screening.domain.numbers import parse_list_number
from screening.domain.policy import Policy, PolicySet
from screening.domain.records import to_record
from screening.domain.watchlist import WatchCategory
from screening.service.list_changes import ID_LIMIT, NAME_LIMIT, TEXT_LIMIT
from screening.service.ports import Store

# The filters each list has (every one also takes `limit`), in --help's order.
FILTERS = {
    "allowlist": ("number", "inmate", "facility"),
    "privileged": ("number", "kind"),
    "blocklist": ("number", "category", "scope", "source", "expired"),
    "watchlist": ("name", "category", "scope"),
}
CATEGORIES = {"blocklist": Category, "watchlist": WatchCategory}


@dataclass(frozen=True)
class ListQuery:
    """What to list, as typed; None (False): not asked."""

    number: str | None = None
    inmate: str | None = None
    facility: str | None = None  # "": the approvals for every facility
    kind: str | None = None
    category: str | None = None
    scope: str | None = None
    source: str | None = None  # "": the entries without one
    name: str | None = None
    expired: bool = False  # only the entries whose expiry has passed
    limit: int | None = None  # at most this many, the first in the listing's order


@dataclass(frozen=True)
class Listing:
    entries: list[Entry]
    total: int  # the entries that matched, before `limit`
    expired: int  # how many of `entries` have expired (they no longer match a call)


def find(store: Store, policies: PolicySet, entry_type: type, query: ListQuery,
         now: datetime | None = None) -> Listing:
    """A list's entries that match every filter of the query: oldest first,
    but by name best first. InvalidEntry names a filter that is wrong."""
    now = now or datetime.now(UTC)
    _check_asked(entry_type.LIST, query)
    equal = _equal_fields(entry_type.LIST, query)
    policy = policies.for_facility(_facility_of(query))
    if query.number is not None and entry_type is BlockEntry:
        found: Iterable[Entry] = _blocked_matching(store, _number(query.number, policy), equal)
    elif query.number is not None:
        found = store.entries(entry_type, number=_number(query.number, policy), **equal)
    elif query.name is not None:
        found = _watched_named(store, query.name, policy, equal)
    else:  # read one at a time: a whole list of millions is never held
        found = store.entries(entry_type, **equal) if equal else store.stream(entry_type)
    if query.expired:
        found = (entry for entry in found if _has_expired(entry, now))
    shown, total = _first(found, query.limit)
    return Listing(shown, total, sum(_has_expired(entry, now) for entry in shown))


def covering_texts(e164: str) -> list[str]:
    """Every blocklist pattern text (domain.patterns' canonical forms) but a
    range that matches this number: the number itself, each prefix of it
    (+62812*) and each wildcard form of its length (+6281234567??). A store
    finds them by its index; ranges it checks itself (Store.ranges_covering)."""
    digits = e164[1:]
    prefixes = [f"+{digits[:k]}*" for k in range(1, len(digits) + 1)]
    wildcards = [f"+{digits[:k]}{'?' * (len(digits) - k)}" for k in range(1, len(digits))]
    return [e164, *prefixes, *wildcards]


def _check_asked(list_name: str, query: ListQuery) -> None:
    for f in fields(query):
        if f.name != "limit" and getattr(query, f.name) not in (None, False) and f.name not in FILTERS[list_name]:
            raise InvalidEntry(f"the {list_name} has no --{f.name} filter")
    if query.limit is not None and query.limit < 1:
        raise InvalidEntry(f"--limit {query.limit}: give a number of entries, 1 or more")


def _equal_fields(list_name: str, query: ListQuery) -> dict[str, str]:
    """The filters that are a field equal to a value, as the store keeps it."""
    equal = {}
    if query.inmate is not None:
        equal["inmate_id"] = check_text("--inmate", query.inmate, ID_LIMIT, required=False)
    if query.facility is not None:
        equal["facility_id"] = check_text("--facility", query.facility, ID_LIMIT, required=False)
    if query.kind is not None:
        equal["kind"] = PrivilegedKind.from_label(query.kind).label
    if query.category is not None:
        equal["category"] = CATEGORIES[list_name].from_label(query.category).label
    if query.scope is not None:
        equal["scope"] = str(Scope.parse(query.scope))
    if query.source is not None:
        equal["source"] = check_text("--source", query.source, TEXT_LIMIT, required=False)
    return equal


def _facility_of(query: ListQuery) -> str:
    """The facility whose region reads the number: --facility, or a facility:ID scope."""
    if query.facility:
        return query.facility.strip()
    scope = Scope.parse(query.scope or "")
    return scope.value if scope.kind is ScopeKind.FACILITY else ""


def _number(text: str, policy: Policy) -> str:
    try:
        return parse_list_number(text, policy.region).e164
    except InvalidEntry as error:
        raise InvalidEntry(f"--number: {error}") from None


def _blocked_matching(store: Store, e164: str, equal: dict[str, str]) -> list[Entry]:
    by_text = store.entries(BlockEntry, pattern=tuple(covering_texts(e164)), **equal)
    ranges = (entry for entry in store.ranges_covering(e164) if _holds(entry, equal))
    return sorted([*by_text, *ranges], key=lambda entry: entry.id)


def _holds(entry: Entry, equal: dict[str, str]) -> bool:
    record = to_record(entry)
    return all(record[column] == value for column, value in equal.items())


def _watched_named(store: Store, name: str, policy: Policy, equal: dict[str, str]) -> list[Entry]:
    """The entries whose name or an alias the engine's matcher scores at
    least the policy's review threshold for `name`, best first."""
    name = check_text("--name", name, NAME_LIMIT)
    if not normalize_name(name):
        raise InvalidEntry(f"--name {name!r} has no name left once titles and punctuation are taken off")
    entries = {entry.id: entry for entry in store.entries(WatchEntry, **equal)}
    index = NameIndex((entry.id, text) for entry in entries.values() for text in (entry.name, *entry.aliases))
    return [entries[match.entry_id] for match in index.search(name, policy.names.review_threshold)]


def _has_expired(entry: Entry, now: datetime) -> bool:
    # As the engine has it: an entry matches until its expiry, not from it.
    expires_at = getattr(entry, "expires_at", None)
    return expires_at is not None and expires_at <= now


def _first(entries: Iterable[Entry], limit: int | None) -> tuple[list[Entry], int]:
    """The first `limit` entries (all: None) and how many there were."""
    shown, total = [], 0
    for entry in entries:
        total += 1
        if limit is None or total <= limit:
            shown.append(entry)
    return shown, total
