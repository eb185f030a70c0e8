"""The approval policy kept in the store (store_settings), on every backend:
none at first, kept with its "policy" log entry, read back by another
process, refused when another process set it meanwhile, the chain verifying."""

import pytest

from screening.domain.approvals import ApprovalPolicy
from screening.domain.entries import Change
from screening.service import audit
from screening.service.ports import PolicyChanged

import test_store_contract

# The backends' fixtures, by assignment (an import of them reads as unused).
reopen, store = test_store_contract.reopen, test_store_contract.store

ALICE = Change("alice", "two people for the privileged list")


def test_a_policy_is_kept_with_its_log_entry_and_read_by_another_process(store, reopen):
    assert store.approval_policy() is None
    policy = ApprovalPolicy(("privileged_add", "block_weaken"), 3600.0)
    stored = store.set_approval_policy(policy, ALICE, 0, {"raised_by": "config"})
    assert (stored.policy, stored.set_by) == (policy, "alice")
    assert reopen().approval_policy() == stored
    entry = store.head()
    assert (entry.version, entry.action, entry.list, entry.actor) == (stored.version, "policy", "approvals", "alice")
    assert entry.details == {"raised_by": "config",
                             "policy": {"require": ["privileged_add", "block_weaken"], "expire_hours": 1.0}}
    # The reloader's read of changes passes it with nothing to apply.
    assert list(store.read_changes(0, 1000).changes) == []
    assert audit.verify(store, None).ok


def test_a_policy_set_meanwhile_by_another_process_is_not_overwritten(store, reopen):
    first = store.set_approval_policy(ApprovalPolicy(("privileged_add",)), ALICE, 0)
    with pytest.raises(PolicyChanged, match="changed by someone else meanwhile"):
        reopen().set_approval_policy(ApprovalPolicy(()), Change("bob", "r"), 0)  # read before alice's
    assert store.approval_policy() == first and store.list_version() == first.version
    later = reopen().set_approval_policy(ApprovalPolicy(()), Change("bob", "r"), first.version)
    assert store.approval_policy() == later and later.policy.require == ()


def test_a_policy_written_behind_the_cli_s_back_fails_the_audit(store, reopen, request):
    """A role that may write store_settings can lower the policy with SQL; no
    trigger stops it, but `audit verify` sees the store and the log disagree."""
    stored = store.set_approval_policy(ApprovalPolicy(("privileged_add",)), ALICE, 0)
    assert audit.verify(store, None).ok
    lowered = '{"require": [], "expire_hours": 72}'
    if "postgres" in request.node.callspec.id:
        with store._pool.connection() as conn:
            conn.execute("UPDATE store_settings SET value = %s", [lowered])
    else:
        store._conn.execute("UPDATE store_settings SET value = ?", [lowered])
    result = audit.verify(reopen(), None)
    assert result.problems == [f"the approval policy in the store is nothing held (version {stored.version}), but "
                               f"the change log holds the one version {stored.version} set: it was written behind "
                               f"the CLI's back"]
