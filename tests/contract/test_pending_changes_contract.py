"""The pending_changes contract (two-person changes), on every backend:
held, listed, decided once, each step in the change log with both
identities, and the chain still verifying."""

from datetime import UTC, datetime, timedelta

import pytest

from screening.domain.approvals import PendingChange
from screening.domain.entries import BlockEntry, Change
from screening.service import audit
from screening.service.ports import EntryNotFound, StoreError

from test_store_contract import reopen, store  # noqa: F401 (the fixtures)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ASKED = Change("alice", "court order 12/2026", {"display_name": "Officer Alice"})


def held(**fields) -> PendingChange:
    values = dict(kind="block_weaken", summary="remove blocklist entry 1 (+6281111111111)",
                  payload={"op": "remove", "list": "blocklist", "entry_id": 1, "entry": {"id": 1, "ñ": "ü"}},
                  requested_by="alice", display_name="Officer Alice", reason="court order 12/2026",
                  created_at=NOW, expires_at=NOW + timedelta(hours=72))
    return PendingChange(**{**values, **fields})


def test_a_held_change_is_stored_and_logged_without_changing_a_list(store, reopen):
    store.add(BlockEntry("+6281111111111"), ASKED)
    stored = store.request_change(held(), ASKED)
    assert stored.id >= 1 and stored == held(id=stored.id)
    assert reopen().pending_changes() == [stored] == store.pending_changes("pending")
    assert store.pending_changes(change_id=stored.id) == [stored] and store.pending_changes("approved") == []
    entry = store.head()
    assert (entry.action, entry.list, entry.entry_id, entry.actor) == ("request", "approvals", stored.id, "alice")
    assert entry.details["approval"] == stored.id and entry.details["payload"] == stored.payload
    assert entry.details["display_name"] == "Officer Alice"
    assert [e.pattern for e in store.entries(BlockEntry)] == ["+6281111111111"]
    # The reloader's read of changes passes the approval steps with nothing to apply.
    assert list(store.read_changes(1, 1000).changes) == []


def test_a_decision_is_made_once_and_names_both_identities(store, reopen):
    stored = store.request_change(held(), ASKED)
    decided = store.decide_change(stored.id, "approved", Change("bob", "checked the court order"))
    assert (decided.status, decided.decided_by, decided.decision_reason) == ("approved", "bob",
                                                                            "checked the court order")
    assert decided.decided_at is not None and reopen().pending_changes(change_id=stored.id) == [decided]
    entry = store.head()
    assert (entry.action, entry.actor, entry.entry_id) == ("approve", "bob", stored.id)
    assert (entry.details["requested_by"], entry.details["decided_by"]) == ("alice", "bob")
    version = store.list_version()
    with pytest.raises(StoreError, match=f"pending change {stored.id} is approved, not pending"):
        reopen().decide_change(stored.id, "rejected", Change("carol", "no"))
    assert store.list_version() == version  # refused: no entry
    with pytest.raises(EntryNotFound, match="no pending change 99"):
        store.decide_change(99, "rejected", Change("bob", "no"))


@pytest.mark.parametrize("status, action", [("rejected", "reject"), ("expired", "expire")])
def test_rejections_and_expiries_are_logged_and_the_chain_verifies(store, status, action):
    stored = store.request_change(held(), ASKED)
    store.decide_change(stored.id, status, Change("bob", "why"))
    assert [(e.action, e.list) for e in store.log(list_name="approvals")] == [("request", "approvals"),
                                                                              (action, "approvals")]
    assert store.pending_changes("pending") == []
    assert audit.verify(store, None).ok


def test_the_identity_is_the_backend_s_own(store):
    assert store.identity() and store.identity() == store.identity()
