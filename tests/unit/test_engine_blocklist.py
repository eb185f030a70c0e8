"""The blocklist as the engine reports it: which entry, which reason."""

import pytest
from snapshots import MONDAY_10AM_JAKARTA, engine_for, make_snapshot, request

from screening.domain.blocklist import Category, Scope
from screening.domain.model import BlockAction, Decision, Reason

LISTS = make_snapshot(blocked=[
    ("+62809*", BlockAction.DENY),  # 1
    ("+6281234567??", BlockAction.DENY),  # 2
    ("+6281234567890", BlockAction.REVIEW),  # 3: more specific than 2
    ("+6285700000000..+6285700000099", BlockAction.DENY, Category.NARCOTICS),  # 4
    ("+6285511112222", BlockAction.DENY, Category.VICTIM, Scope.parse("inmate:A-7")),  # 5
    ("+6285511113333", BlockAction.DENY, Category.WITNESS, Scope.parse("facility:LP-B")),  # 6
    ("+6285511114444", BlockAction.DENY, Category.FRAUD, Scope(), int(MONDAY_10AM_JAKARTA)),  # 7: expired
])


def blocked_finding(number, **where):
    screening = engine_for(LISTS).screen(request(number, **where))
    found = [f for f in screening.findings if f.reason in (Reason.BLOCKED_NUMBER, Reason.BLOCKED_PATTERN)]
    return found[0] if found else None


@pytest.mark.parametrize("number, reason, entry, effect, text", [
    ("0809-1234-567", Reason.BLOCKED_PATTERN, "blocklist:1", Decision.DENY, "pattern +62809* (fraud, deny)"),
    ("+62 812 3456 781", Reason.BLOCKED_PATTERN, "blocklist:2", Decision.DENY, "pattern +6281234567??"),
    ("0812-3456-7890", Reason.BLOCKED_NUMBER, "blocklist:3", Decision.REVIEW, "is on the blocklist (fraud, review)"),
    ("0857-0000-0042", Reason.BLOCKED_PATTERN, "blocklist:4", Decision.DENY,
     "pattern +6285700000000..+6285700000099 (narcotics, deny)"),
])
def test_the_most_specific_entry_is_named(number, reason, entry, effect, text):
    finding = blocked_finding(number)
    assert (finding.reason, finding.entry_id, finding.effect) == (reason, entry, effect)
    assert text in finding.detail


def test_numbers_outside_every_pattern_are_not_blocked():
    assert blocked_finding("0857-0000-0100") is None
    assert blocked_finding("+62 812 3456 7812") is None  # one digit more than the wildcard's length


def test_scoped_entries_apply_only_in_their_scope():
    assert blocked_finding("0855-1111-2222", inmate="A-7").entry_id == "blocklist:5"
    assert blocked_finding("0855-1111-2222", inmate="A-8") is None
    assert blocked_finding("0855-1111-3333", facility="LP-B").entry_id == "blocklist:6"
    assert blocked_finding("0855-1111-3333", facility="LP-C") is None


def test_expired_entries_stop_matching():
    assert blocked_finding("0855-1111-4444") is None
    alive = engine_for(LISTS, clock=lambda: MONDAY_10AM_JAKARTA - 1).screen(request("0855-1111-4444"))
    assert alive.findings[0].entry_id == "blocklist:7"
