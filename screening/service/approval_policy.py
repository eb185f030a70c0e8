"""The approval policy in force is kept in the store, so the two-person rule
binds the database and not the config file of whoever runs a command: an
insider cannot switch it off with `--config /dev/null` or a copy of the
config without [approvals].

It ratchets. Every changing command takes the stored policy made at least
as strict as its config's [approvals] (domain/approvals.py `stricter`), and
a config that asks for more raises the store to it, logged. A config that
asks for less changes nothing. Lowering it (a kind taken away, a longer
expiry) is itself a held change that another identity must approve,
whatever the policy holds (`set_policy`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from screening.domain import approvals as rules
from screening.domain.approvals import ApprovalPolicy, PendingChange, StoredPolicy
from screening.domain.entries import Change
from screening.service.ports import PolicyChanged, Store, StoreError

_ATTEMPTS = 3  # a policy set by another process meanwhile: read it again


def in_force(store: Store, configured: ApprovalPolicy, why: Change) -> ApprovalPolicy:
    """The policy that binds this command: the stored one, raised to the
    configured one (and stored so, with a "policy" entry) where that asks
    for more. why: who runs the command (the store's identity)."""
    for _ in range(_ATTEMPTS):
        stored = store.approval_policy()
        current = stored.policy if stored else rules.NO_APPROVALS
        effective = rules.stricter(current, configured)
        if effective == current:
            return current
        try:
            store.set_approval_policy(effective, why, stored.version if stored else 0,
                                      {"raised_by": "config", "before": _record(stored)})
            return effective
        except PolicyChanged:
            continue  # another command set it meanwhile: made stricter from that one
    raise StoreError("the approval policy in the store keeps changing under this command: run it again")


def set_policy(store: Store, wanted: ApprovalPolicy, why: Change) -> PendingChange | StoredPolicy | None:
    """`screening approvals policy --require ... | --none`: a raise (or the
    first policy) is kept at once; a lowering is held for another identity
    (POLICY_LOWER), whatever the policy holds. None: already so."""
    stored = store.approval_policy()
    current = stored.policy if stored else rules.NO_APPROVALS
    if rules.same(wanted, current):
        return None
    if not rules.lowers(current, wanted):
        return store.set_approval_policy(wanted, why, stored.version if stored else 0,
                                         {"raised_by": "command", "before": _record(stored)})
    now = datetime.now(UTC)
    payload = {"op": "approvals_policy", "policy": rules.policy_record(wanted), "from_version": stored.version,
               "from": rules.policy_record(current)}
    held = PendingChange(rules.POLICY_LOWER, f"approval policy lowered to: {rules.shown(wanted)} "
                         f"(from: {rules.shown(current)})", payload, requested_by=why.actor,
                         display_name=why.details.get("display_name", ""), reason=why.reason, created_at=now,
                         expires_at=now + timedelta(seconds=current.expire_seconds))
    return store.request_change(held, why)


def still_applies(store: Store, payload: dict) -> str:
    """"" when a held lowering applies as requested, else why not: the policy
    was set again since (raised, say), so what was asked is not what it would do."""
    stored = store.approval_policy()
    if (stored.version if stored else 0) != payload["from_version"]:
        return "the approval policy was set again since it was requested"
    return ""


def replay(store: Store, payload: dict, why: Change) -> StoredPolicy:
    """Apply an approved lowering (service/approvals.py approve)."""
    wanted = rules.policy_of(payload["policy"])
    return store.set_approval_policy(wanted, why, payload["from_version"],
                                     {"lowered_by": "approval", "before": payload["from"]})


def _record(stored: StoredPolicy | None) -> dict | None:
    return rules.policy_record(stored.policy) if stored else None
