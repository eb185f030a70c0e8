"""The gating rules of two-person changes (domain/approvals.py): which
changes a second identity must approve, and the [approvals] table."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from screening.config import ConfigError, Settings
from screening.domain import approvals
from screening.domain.approvals import ApprovalsError, edit_kind, import_kind, policy_of, removal_kind
from screening.domain.blocklist import Category
from screening.domain.entries import AllowlistEntry, BlockEntry, PrivilegedEntry, WatchEntry
from screening.domain.model import BlockAction
from screening.domain.watchlist import WatchCategory

SOON = datetime(2027, 1, 1, tzinfo=UTC)
FRAUD = BlockEntry("+6281111111111", category=Category.FRAUD, action=BlockAction.DENY)


def test_no_table_holds_nothing_and_an_empty_table_holds_every_kind():
    assert policy_of(None).require == () and not policy_of(None).holds(approvals.PRIVILEGED_ADD)
    every = policy_of({})
    assert every.require == approvals.KINDS and every.expire_seconds == 72 * 3600
    assert policy_of({"require": ["privileged_add"], "expire_hours": 0.5}) == approvals.ApprovalPolicy(
        ("privileged_add",), 1800.0)
    assert not policy_of({"require": []}).holds(approvals.BLOCK_WEAKEN)


@pytest.mark.parametrize("table, message", [
    ({"require": ["privileged_ad"]}, "[approvals] require: 'privileged_ad' is not a kind of change"),
    ({"require": "privileged_add"}, "[approvals] require: expected a list of names"),
    ({"expire_hours": 0}, "[approvals] expire_hours: expected a number of hours greater than 0, got 0"),
    ({"expire_hours": "72"}, "[approvals] expire_hours: expected a number of hours"),
    ({"expire": 3}, "[approvals] expire: unknown key (known: require, expire_hours)"),
])
def test_a_bad_table_is_refused_naming_its_key(table, message):
    with pytest.raises(ApprovalsError) as refused:
        policy_of(table)
    assert str(refused.value).startswith(message)
    with pytest.raises(ConfigError, match=r"^screening\.toml: \[approvals\]"):
        Settings(approvals=table, config_file="screening.toml").approval_policy()


@pytest.mark.parametrize("category, held", [(Category.FRAUD, True), (Category.VICTIM, True),
                                            (Category.WITNESS, False), (Category.OTHER, False)])
def test_removing_a_fraud_or_victim_block_is_held(category, held):
    entry = dataclasses.replace(FRAUD, category=category)
    assert removal_kind(entry) == (approvals.BLOCK_WEAKEN if held else None)


def test_removing_a_watched_deny_is_held_a_review_is_not():
    deny = WatchEntry("Siti Aminah", category=WatchCategory.VICTIM, action=BlockAction.DENY)
    assert removal_kind(deny) == approvals.WATCHLIST_DENY_REMOVE
    assert removal_kind(dataclasses.replace(deny, action=BlockAction.REVIEW)) is None
    assert edit_kind(deny, dataclasses.replace(deny, action=BlockAction.REVIEW)) == approvals.WATCHLIST_DENY_REMOVE
    assert edit_kind(deny, dataclasses.replace(deny, aliases=("Siti A.",))) is None


def test_removing_other_lists_entries_is_not_held():
    assert removal_kind(AllowlistEntry("A-1", "+6281234567890", "Ibu Siti")) is None
    assert removal_kind(PrivilegedEntry("+62215551234", "LBH")) is None


@pytest.mark.parametrize("change, held", [
    ({"action": BlockAction.REVIEW}, True),  # deny -> review
    ({"expires_at": SOON}, True),  # a new expiry: it ends
    ({"category": Category.OTHER}, True),  # out of the guarded categories: later weakenings unheld
    ({"category": Category.VICTIM}, False),
    ({"source": "LP/B/2"}, False),
])
def test_weakening_a_fraud_block_is_held(change, held):
    assert edit_kind(FRAUD, dataclasses.replace(FRAUD, **change)) == (approvals.BLOCK_WEAKEN if held else None)


def test_an_expiry_is_weakened_by_a_shorter_one_not_a_longer_one_or_none():
    ending = dataclasses.replace(FRAUD, expires_at=SOON)
    assert edit_kind(ending, dataclasses.replace(ending, expires_at=SOON - timedelta(days=1))) == approvals.BLOCK_WEAKEN
    assert edit_kind(ending, dataclasses.replace(ending, expires_at=SOON + timedelta(days=1))) is None
    assert edit_kind(ending, dataclasses.replace(ending, expires_at=None)) is None
    review = dataclasses.replace(FRAUD, action=BlockAction.REVIEW)
    assert edit_kind(review, dataclasses.replace(review, action=BlockAction.DENY)) is None  # stronger


def test_a_witness_block_is_not_guarded():
    witness = dataclasses.replace(FRAUD, category=Category.WITNESS)
    assert edit_kind(witness, dataclasses.replace(witness, action=BlockAction.REVIEW)) is None


def test_imports_are_held_when_they_add_privileged_numbers_or_would_remove_or_weaken():
    assert import_kind("privileged") == approvals.PRIVILEGED_ADD
    assert import_kind("blocklist") is None and import_kind("allowlist") is None
    assert import_kind("blocklist", removed=1) == import_kind("watchlist", weakened=2) == approvals.IMPORT_WEAKEN


def test_a_pending_change_expires_at_its_time():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    held = approvals.PendingChange("privileged_add", "s", {}, "alice", "", "r", now, now + timedelta(hours=1))
    assert not held.expired(now) and held.expired(now + timedelta(hours=1))
    assert not dataclasses.replace(held, status="approved").expired(now + timedelta(hours=2))


def test_the_config_file_s_table_is_read_and_checked_when_loaded(tmp_path):
    from screening.config import load_settings

    path = tmp_path / "screening.toml"
    path.write_text('[approvals]\nrequire = ["block_weaken"]\nexpire_hours = 1\n', "utf-8")
    assert load_settings(str(path), environ={}).approval_policy() == approvals.ApprovalPolicy(("block_weaken",), 3600.0)
    assert load_settings(None, environ={}).approval_policy() == approvals.NO_APPROVALS
    path.write_text('[approvals]\nrequire = ["everything"]\n', "utf-8")
    with pytest.raises(ConfigError, match=rf"^{path}: \[approvals\] require: 'everything' is not a kind"):
        load_settings(str(path), environ={})


# The ratchet: the policy kept in the store made at least as strict as a config's.

def test_the_stricter_policy_holds_the_kinds_of_both_and_the_shorter_expiry():
    stored = approvals.ApprovalPolicy(("block_weaken", "privileged_add"), 72 * 3600.0)
    configured = approvals.ApprovalPolicy(("watchlist_deny_remove", "privileged_add"), 24 * 3600.0)
    assert approvals.stricter(stored, configured) == approvals.ApprovalPolicy(
        ("privileged_add", "block_weaken", "watchlist_deny_remove"), 24 * 3600.0)
    assert approvals.stricter(configured, stored) == approvals.stricter(stored, configured)
    longer = approvals.ApprovalPolicy(("privileged_add",), 100 * 3600.0)
    assert approvals.stricter(stored, longer) == stored  # less asked: the stored policy still holds


def test_a_policy_holding_nothing_neither_lowers_nor_cuts_the_expiry():
    stored = approvals.ApprovalPolicy(("privileged_add",), 100 * 3600.0)
    assert approvals.stricter(stored, approvals.NO_APPROVALS) == stored  # no [approvals], or --config /dev/null
    assert approvals.stricter(approvals.NO_APPROVALS, stored) == stored  # not cut to NO_APPROVALS' 72 h
    assert approvals.stricter(approvals.NO_APPROVALS, approvals.NO_APPROVALS) == approvals.NO_APPROVALS


def test_a_kind_taken_away_or_a_longer_expiry_lowers_a_policy():
    current = approvals.ApprovalPolicy(("privileged_add", "block_weaken"), 24 * 3600.0)
    assert approvals.lowers(current, approvals.ApprovalPolicy(("privileged_add",), 24 * 3600.0))
    assert approvals.lowers(current, approvals.ApprovalPolicy(("privileged_add", "block_weaken"), 48 * 3600.0))
    assert approvals.lowers(current, approvals.NO_APPROVALS)
    assert approvals.lowers(current, approvals.ApprovalPolicy(("import_weaken",), 24 * 3600.0))  # swapped: one lost
    assert not approvals.lowers(current, approvals.ApprovalPolicy(("privileged_add", "block_weaken", "import_weaken"),
                                                          12 * 3600.0))
    assert not approvals.lowers(approvals.NO_APPROVALS, current)


def test_a_policy_is_stored_as_the_table_it_is_read_from():
    policy = approvals.ApprovalPolicy(("block_weaken",), 1800.0)
    assert approvals.policy_record(policy) == {"require": ["block_weaken"], "expire_hours": 0.5}
    assert approvals.policy_of(approvals.policy_record(policy)) == policy
    assert approvals.policy_of(approvals.policy_record(approvals.NO_APPROVALS)).require == ()


def test_the_same_rule_in_another_order_is_the_same_policy():
    one = approvals.ApprovalPolicy(("block_weaken", "privileged_add"))
    assert approvals.same(one, approvals.ApprovalPolicy(("privileged_add", "block_weaken")))
    assert approvals.same(approvals.NO_APPROVALS, approvals.ApprovalPolicy((), 3600.0))
    assert not approvals.same(one, approvals.ApprovalPolicy(("block_weaken",)))
