"""Two-person changes: the dangerous list changes (domain/approvals.py) are
held as pending changes until a second, different identity approves them.

Each gated use case first asks whether its change is held (`privileged_add`,
`remove`, `edit`, `privileged_import` here); one that is not runs as it
always did. A held one is stored with what replays it (its payload) and
changes nothing in the lists. Approving it replays the payload through the
same list_changes / list_edits / imports call, as the requester, with the
approval's id and both identities in the applied change's log entry.

Expiry is lazy: whoever lists, shows, approves or rejects first marks the
changes past their time expired, once, each with its own log entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from screening.domain import approvals as rules
from screening.domain.approvals import ApprovalPolicy, PendingChange
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, Entry, PrivilegedEntry, WatchEntry
from screening.domain.errors import InvalidEntry
from screening.domain.records import to_record
from screening.domain.policy import PolicySet
from screening.service import approval_policy, imports, list_changes, list_edits
from screening.service.ports import EntryExists, Store, StoreError

TYPES = {t.LIST: t for t in (AllowlistEntry, PrivilegedEntry, BlockEntry, WatchEntry)}
# The edits that can weaken an entry, by list: their changes as typed (kept
# as text in the payload, read again on approval as the CLI reads them).
EDITS: dict[str, Callable[..., dict]] = {"blocklist": list_edits.blocklist_changes,
                                          "watchlist": list_edits.watchlist_changes}


class ApprovalError(InvalidEntry):
    """An approval or rejection refused; the message says why and what to do."""


def _now() -> datetime:
    return datetime.now(UTC)


def hold(store: Store, policy: ApprovalPolicy, kind: str | None, summary: str, payload: dict,
         why: Change) -> PendingChange | None:
    """The change held for approval, or None when the policy lets it through."""
    if not policy.holds(kind):
        return None
    now = _now()
    pending = PendingChange(kind, summary, payload, requested_by=why.actor,
                            display_name=why.details.get("display_name", ""), reason=why.reason,
                            created_at=now, expires_at=now + timedelta(seconds=policy.expire_seconds))
    return store.request_change(pending, why)


# The gated use cases: held, or done as always.

def privileged_add(store: Store, policies: PolicySet, policy: ApprovalPolicy, number: str, name: str, kind: str,
                   why: Change) -> PendingChange | list_changes.Result:
    entry = list_changes.privileged_entry(policies, number, name, kind)  # bad input fails now, not on approval
    if policy.holds(rules.PRIVILEGED_ADD):
        _not_there(store, entry.number)
    payload = {"op": "privileged_add", "number": entry.number, "name": entry.name, "kind": entry.kind.label}
    held = hold(store, policy, rules.PRIVILEGED_ADD, f"privileged add {entry.number} ({entry.name!r}, "
                f"{entry.kind.label})", payload, why)
    return held or list_changes.add_privileged(store, policies, number, name, kind, why)


def remove(store: Store, policies: PolicySet, policy: ApprovalPolicy, entry_type: type, why: Change,
           entry_id: int | None = None, **given: str | None) -> PendingChange | Entry:
    entry = _named(store, policies, entry_type, entry_id, given)
    if entry is not None and policy.holds(kind := rules.removal_kind(entry)):
        payload = {"op": "remove", "list": entry.LIST, "entry_id": entry.id, "entry": to_record(entry)}
        return hold(store, policy, kind, f"remove {entry.LIST} entry {entry.id} ({_shown(entry)})", payload, why)
    return list_edits.remove(store, policies, entry_type, why, entry_id, **given)


def edit(store: Store, policies: PolicySet, policy: ApprovalPolicy, entry_type: type, why: Change, typed: dict,
         changes: dict, entry_id: int | None = None, **given: str | None) -> PendingChange | list_edits.Edit:
    """typed: the changes as typed (the keywords of list_edits' *_changes),
    kept to read again on approval; changes: as they read now."""
    entry = _named(store, policies, entry_type, entry_id, given)
    if entry is not None and entry.LIST in EDITS and changes:
        kind = rules.edit_kind(entry, dataclasses.replace(entry, **changes))
        if policy.holds(kind):
            payload = {"op": "edit", "list": entry.LIST, "entry_id": entry.id, "entry": to_record(entry),
                       "changes": typed}
            shown = ", ".join(f"{name} {value!r}" for name, value in typed.items() if value is not None)
            return hold(store, policy, kind, f"edit {entry.LIST} entry {entry.id} ({_shown(entry)}): {shown}",
                        payload, why)
    return list_edits.edit(store, policies, entry_type, why, changes, entry_id, **given)


def privileged_import(store: Store, policies: PolicySet, policy: ApprovalPolicy, source: imports.ImportFile,
                      why: Change, options: imports.Options,
                      on_invalid: Callable[[int, str], None]) -> PendingChange | imports.Report:
    """A privileged import adds privileged numbers: held whole, its valid
    rows kept to import on approval (all or nothing, as an import is)."""
    if options.dry_run or not policy.holds(rules.import_kind("privileged")):
        return imports.import_file(store, policies, "privileged", source, why, options, on_invalid)
    report, rows = imports.read_rows(policies, "privileged", source, options, on_invalid)
    if report.invalid.count and not options.skip_invalid:
        return report
    payload = {"op": "privileged_import", "file": report.file, "sha256": report.sha256, "rows": rows,
               "options": {"reason": options.reason, "skip_invalid": options.skip_invalid}}
    summary = f"privileged import of {len(rows)} row(s) from {report.file} (sha256 {report.sha256[:12]})"
    return hold(store, policy, rules.PRIVILEGED_ADD, summary, payload, why)


def _not_there(store: Store, number: str) -> None:
    """A privileged number already there cannot be added: said now, not on approval."""
    for there in store.entries(PrivilegedEntry, number=number):
        raise EntryExists(f"privileged already has an entry for number={number!r} (entry {there.id})")


def _named(store: Store, policies: PolicySet, entry_type: type, entry_id: int | None, given: dict) -> Entry | None:
    """The entry named, or None (the use case then says what was meant)."""
    key = list_edits.entry_key(store, policies, entry_type, entry_id, given)
    return next(iter(store.entries(entry_type, **key)), None)


def _shown(entry: Entry) -> str:
    if isinstance(entry, BlockEntry):
        return f"{entry.pattern}, {entry.category.label}, {entry.action.label}, {entry.scope}"
    if isinstance(entry, WatchEntry):
        return f"{entry.name!r}, {entry.category.label}, {entry.action.label}, {entry.scope}"
    return getattr(entry, "number", "")


# Deciding.

def pending(store: Store, who: str, include_all: bool = False) -> list[PendingChange]:
    """The changes waiting (include_all: every one ever held), expired first
    where due; shown expired even where this identity may not mark them so."""
    now = _now()
    expire_due(store, who, now)
    found = [dataclasses.replace(held, status="expired") if held.expired(now) else held
             for held in store.pending_changes("" if include_all else "pending")]
    return found if include_all else [held for held in found if held.status == "pending"]


def show(store: Store, who: str, change_id: int) -> PendingChange:
    expire_due(store, who)
    return _one(store, change_id)


def approve(store: Store, policies: PolicySet, change_id: int, why: Change) -> tuple[PendingChange, object]:
    """Approve and apply a pending change; returns it decided, and what the
    use case returned. Refused: one's own request, an expired one, one that
    no longer applies (its entry removed or changed meanwhile)."""
    held = _decidable(store, change_id, why, "approve")
    _still_applies(store, held)
    decided = store.decide_change(change_id, "approved", why)  # of two approvers at once, one wins here
    applied_by = Change(held.requested_by, held.reason, {
        **({"display_name": held.display_name} if held.display_name else {}),
        "approval": held.id, "requested_by": held.requested_by, "approved_by": why.actor})
    try:
        return decided, _REPLAY[held.payload["op"]](store, policies, held.payload, applied_by)
    except (InvalidEntry, StoreError) as error:
        raise ApprovalError(f"pending change {change_id} was approved but could not be applied: {error}; "
                            f"nothing changed in the lists: request it again") from None


def reject(store: Store, change_id: int, why: Change) -> PendingChange:
    _decidable(store, change_id, why, "reject")
    return store.decide_change(change_id, "rejected", why)


def expire_due(store: Store, who: str, now: datetime | None = None) -> list[PendingChange]:
    """Mark the pending changes past their time expired, each logged once."""
    now = now or _now()
    expired = []
    for held in store.pending_changes("pending"):
        if held.expired(now):
            why = Change(who, f"unapproved past its expiry {held.expires_at.isoformat(timespec='seconds')}")
            try:
                expired.append(store.decide_change(held.id, "expired", why))
            except StoreError:
                pass  # decided by another process meanwhile: its entry says how
    return expired


def _decidable(store: Store, change_id: int, why: Change, verb: str) -> PendingChange:
    expire_due(store, why.actor)
    held = _one(store, change_id)
    if held.status == "expired":
        raise ApprovalError(f"pending change {change_id} expired at {held.expires_at.isoformat(timespec='seconds')} "
                            f"unapproved: nothing changed; request it again")
    if held.status != "pending":
        raise ApprovalError(f"pending change {change_id} is already {held.status} (by {held.decided_by})")
    if verb == "approve" and held.requested_by == why.actor:
        raise ApprovalError(f"pending change {change_id} was requested by {held.requested_by}: another identity "
                            f"must approve it (a self-approval is refused)")
    return held


def _one(store: Store, change_id: int) -> PendingChange:
    found = store.pending_changes(change_id=change_id)
    if not found:
        raise ApprovalError(f"no pending change {change_id}: `screening approvals list --all` shows them")
    return found[0]


def _still_applies(store: Store, held: PendingChange) -> None:
    """A removal or edit applies to the entry as it was when requested; a
    privileged number is added only if it is not there meanwhile."""
    payload = held.payload
    if payload["op"] == "approvals_policy" and (why_not := approval_policy.still_applies(store, payload)):
        raise ApprovalError(f"pending change {held.id} no longer applies: {why_not}; reject it and request again")
    if payload["op"] == "privileged_add":
        try:
            _not_there(store, payload["number"])
        except EntryExists as error:
            raise ApprovalError(f"pending change {held.id} no longer applies: {error}; reject it") from None
    if payload["op"] not in ("remove", "edit"):
        return
    now = next(iter(store.entries(TYPES[payload["list"]], id=payload["entry_id"])), None)
    if now is None:
        raise ApprovalError(f"pending change {held.id} no longer applies: {payload['list']} entry "
                            f"{payload['entry_id']} is gone; reject it")
    if to_record(now) != payload["entry"]:
        raise ApprovalError(f"pending change {held.id} no longer applies: {payload['list']} entry "
                            f"{payload['entry_id']} changed since it was requested; reject it and request again")


def _replay_import(store: Store, policies: PolicySet, payload: dict, why: Change) -> imports.Report:
    options = imports.Options(payload["options"]["reason"], payload["options"]["skip_invalid"])
    source = _HeldRows(payload["file"], payload["sha256"], payload["rows"])
    return imports.import_file(store, policies, "privileged", source, why, options, lambda line, problem: None)


class _HeldRows:
    """A held import's valid rows, read again as an import file (imports.ImportFile)."""

    format = "csv"

    def __init__(self, name: str, sha256: str, rows: list[dict]):
        self.name, self.sha256, self._rows = name, sha256, rows

    def records(self) -> Iterator[imports.Record]:
        for row in self._rows:
            yield row["line"], {k: v for k, v in row.items() if k != "line"}, ""


_REPLAY: dict[str, Callable[[Store, PolicySet, dict, Change], object]] = {
    "privileged_add": lambda store, policies, p, why: list_changes.add_privileged(
        store, policies, p["number"], p["name"], p["kind"], why),
    "remove": lambda store, policies, p, why: list_edits.remove(store, policies, TYPES[p["list"]], why, p["entry_id"]),
    "edit": lambda store, policies, p, why: list_edits.edit(
        store, policies, TYPES[p["list"]], why, EDITS[p["list"]](**p["changes"]), p["entry_id"]),
    "privileged_import": _replay_import,
    "approvals_policy": lambda store, policies, p, why: approval_policy.replay(store, p, why),
}
