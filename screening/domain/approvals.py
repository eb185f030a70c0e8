"""Two-person changes: which list changes a second, different identity must
approve before they take effect, and a change held for approval.

An insider's cheapest bypasses are a fraud number added as "privileged"
(allowed and never recorded), a fraud or victim block taken away or
weakened, and a watched name's deny taken away. With an [approvals] table
in the config, each such change is held as a pending change until another
identity approves it (service/approvals.py); these rules say which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from screening.domain.blocklist import Category
from screening.domain.entries import BlockEntry, Entry, WatchEntry
from screening.domain.model import BlockAction

# The kinds of change a policy may hold, as [approvals] require names them.
PRIVILEGED_ADD = "privileged_add"  # a privileged number added (one, or by import)
BLOCK_WEAKEN = "block_weaken"  # a fraud or victim block removed, or weakened
WATCHLIST_DENY_REMOVE = "watchlist_deny_remove"  # a watched name's deny removed (or made review)
IMPORT_WEAKEN = "import_weaken"  # an import that would remove or weaken entries
KINDS = (PRIVILEGED_ADD, BLOCK_WEAKEN, WATCHLIST_DENY_REMOVE, IMPORT_WEAKEN)
# The policy in the store made less strict: always held once the store has
# a policy, whatever that policy requires (not a kind a config may name).
POLICY_LOWER = "approvals_lower"
DEFAULT_EXPIRE_HOURS = 72.0
# The blocks whose weakening is held: the ones that protect the public.
GUARDED_CATEGORIES = (Category.FRAUD, Category.VICTIM)
STATUSES = ("pending", "approved", "rejected", "expired")


class ApprovalsError(ValueError):
    """A bad [approvals] table; the message names the key."""


@dataclass(frozen=True)
class ApprovalPolicy:
    """What [approvals] says. require = () holds nothing: today's behaviour."""

    require: tuple[str, ...] = ()
    expire_seconds: float = DEFAULT_EXPIRE_HOURS * 3600

    def holds(self, kind: str | None) -> bool:
        return kind is not None and kind in self.require


NO_APPROVALS = ApprovalPolicy()


@dataclass(frozen=True)
class StoredPolicy:
    """The policy in force, as the store keeps it: the rule binds the store,
    not the config file of whoever runs a command (service/approval_policy.py)."""

    policy: ApprovalPolicy
    version: int  # the change-log entry that set it
    set_by: str


def stricter(stored: ApprovalPolicy, configured: ApprovalPolicy) -> ApprovalPolicy:
    """The stored policy made at least as strict as the configured one: the
    kinds of both, the shorter expiry. A policy that holds nothing has no
    expiry to give: a stored one of 72 h is not cut by a config without
    [approvals] (NO_APPROVALS' default), nor the other way round."""
    if not configured.require:
        return stored
    if not stored.require:
        return configured
    if set(configured.require) <= set(stored.require) and stored.expire_seconds <= configured.expire_seconds:
        return stored  # nothing more asked: kept as it is, in its own order
    kinds = tuple(kind for kind in KINDS if kind in stored.require or kind in configured.require)
    return ApprovalPolicy(kinds, min(stored.expire_seconds, configured.expire_seconds))


def lowers(current: ApprovalPolicy, wanted: ApprovalPolicy) -> bool:
    """Whether `wanted` holds less than `current`: a kind taken away, or a
    held change left waiting longer."""
    if not current.require:
        return False
    if set(current.require) - set(wanted.require):
        return True
    return wanted.expire_seconds > current.expire_seconds


def same(one: ApprovalPolicy, other: ApprovalPolicy) -> bool:
    """The same rule, whatever order its kinds were named in."""
    if not one.require or not other.require:
        return not one.require and not other.require
    return set(one.require) == set(other.require) and one.expire_seconds == other.expire_seconds


def policy_record(policy: ApprovalPolicy) -> dict[str, Any]:
    """The policy as stored and logged: an [approvals] table (policy_of reads it)."""
    return {"require": list(policy.require), "expire_hours": policy.expire_seconds / 3600}


def shown(policy: ApprovalPolicy) -> str:
    if not policy.require:
        return "nothing held"
    return f"require {', '.join(policy.require)}; expire_hours {policy.expire_seconds / 3600:g}"


def policy_of(table: Mapping[str, Any] | None) -> ApprovalPolicy:
    """The policy of an [approvals] table: None (no table) holds nothing; a
    table without `require` holds every kind."""
    if table is None:
        return NO_APPROVALS
    if not isinstance(table, Mapping):
        raise ApprovalsError("[approvals] must be a table")
    unknown = sorted(set(table) - {"require", "expire_hours"})
    if unknown:
        raise ApprovalsError(f"[approvals] {unknown[0]}: unknown key (known: require, expire_hours)")
    require = table.get("require", list(KINDS))
    if not isinstance(require, list) or not all(isinstance(kind, str) for kind in require):
        raise ApprovalsError(f"[approvals] require: expected a list of names, got {require!r}")
    for kind in require:
        if kind not in KINDS:
            raise ApprovalsError(f"[approvals] require: {kind!r} is not a kind of change (known: {', '.join(KINDS)})")
    hours = table.get("expire_hours", DEFAULT_EXPIRE_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not hours > 0:
        raise ApprovalsError(f"[approvals] expire_hours: expected a number of hours greater than 0, got {hours!r}")
    return ApprovalPolicy(tuple(dict.fromkeys(require)), float(hours) * 3600)


def removal_kind(entry: Entry) -> str | None:
    """The kind of held change removing this entry is, or None (not held)."""
    if isinstance(entry, BlockEntry) and entry.category in GUARDED_CATEGORIES:
        return BLOCK_WEAKEN
    if isinstance(entry, WatchEntry) and entry.action is BlockAction.DENY:
        return WATCHLIST_DENY_REMOVE
    return None


def edit_kind(before: Entry, after: Entry) -> str | None:
    """The kind of held change this edit is, or None: a guarded block that
    denies less (review), ends sooner (a shorter or new expiry) or leaves
    the guarded categories; a watched name's deny made review."""
    if isinstance(before, BlockEntry) and isinstance(after, BlockEntry) and before.category in GUARDED_CATEGORIES:
        if weakens_block(before, after):
            return BLOCK_WEAKEN
    if isinstance(before, WatchEntry) and isinstance(after, WatchEntry):
        if before.action is BlockAction.DENY and after.action is not BlockAction.DENY:
            return WATCHLIST_DENY_REMOVE
    return None


def weakens_block(before: BlockEntry, after: BlockEntry) -> bool:
    return (
        (before.action is BlockAction.DENY and after.action is not BlockAction.DENY)
        or ends_sooner(before.expires_at, after.expires_at)
        or after.category not in GUARDED_CATEGORIES
    )


def ends_sooner(before: datetime | None, after: datetime | None) -> bool:
    """A new expiry on an entry that had none, or an earlier one."""
    if after is None:
        return False
    return before is None or after < before


def import_kind(list_name: str, removed: int = 0, weakened: int = 0) -> str | None:
    """The kind of held change an import is: one into the privileged list
    adds privileged numbers; one that would remove or weaken any entry
    (imports today only add, and leave every entry there as it is, so none
    does yet) is an import_weaken."""
    if removed or weakened:
        return IMPORT_WEAKEN
    if list_name == "privileged":
        return PRIVILEGED_ADD
    return None


@dataclass(frozen=True)
class PendingChange:
    """A change held until a second identity approves it. payload holds
    what replays it through the same service call (service/approvals.py)."""

    kind: str
    summary: str  # one line for staff: "privileged add +62... (Kantor Hukum)"
    payload: dict[str, Any]
    requested_by: str  # the identity (Store.identity)
    display_name: str  # what --actor said, "" when not given
    reason: str
    created_at: datetime
    expires_at: datetime
    status: str = "pending"
    decided_by: str = ""
    decided_at: datetime | None = None
    decision_reason: str = ""
    id: int = 0

    def expired(self, now: datetime) -> bool:
        return self.status == "pending" and now >= self.expires_at
