"""The engine's use of called_party_name: which effect each match gets."""

import dataclasses

from snapshots import engine_for, make_snapshot, request

from screening.domain.blocklist import Scope
from screening.domain.model import BlockAction, Decision, Reason
from screening.domain.watchlist import WatchCategory, Watchlist, WatchRow

BASE = make_snapshot(allow=[("A-1", "0812-3456-7890")], privileged=["(021) 555-1234"])
BASE = dataclasses.replace(BASE, allowlist=type(BASE.allowlist)([("A-1", 6281234567890, 1, "", "Ibu Siti Aminah")]))
LISTS = dataclasses.replace(BASE, watchlist=Watchlist([
    WatchRow(1, "Joko Santoso", ("Djoko Santoso",), WatchCategory.OFFICER, BlockAction.DENY),
    WatchRow(2, "Suharto", (), WatchCategory.WITNESS, BlockAction.DENY),
    WatchRow(3, "Rina Marlina", (), WatchCategory.VICTIM, BlockAction.DENY, Scope.parse("inmate:A-1")),
]))


def screen(name, number="0812-3456-7890", inmate="A-1", policy=None):
    return engine_for(LISTS, policy).screen(request(number, inmate=inmate, called_party_name=name))


def watch_effects(screening):
    return [(f.entry_id, f.effect) for f in screening.findings if f.reason is Reason.WATCHLIST_MATCH]


def test_a_full_match_of_a_deny_entry_denies():
    assert watch_effects(screen("Bapak Djoko Santoso")) == [("watchlist:1", Decision.DENY)]
    assert screen("Bapak Djoko Santoso").decision is Decision.DENY


def test_a_one_word_entry_inside_a_longer_name_is_review_at_most():
    assert watch_effects(screen("Suharto Wibowo")) == [("watchlist:2", Decision.REVIEW)]
    assert watch_effects(screen("Soeharto")) == [("watchlist:2", Decision.DENY)]


def test_different_people_with_similar_names_do_not_match():
    assert watch_effects(screen("Suharti")) == []
    assert watch_effects(screen("Joko Susanto")) == []


def test_scoped_entries_only_for_their_inmate():
    assert watch_effects(screen("Rina Marlina", inmate="A-1")) == [("watchlist:3", Decision.DENY)]
    assert watch_effects(screen("Rina Marlina", inmate="A-2", number="0857-1234-5678")) == []


def test_deny_needs_the_deny_threshold():
    # "Suharto" scores 1.0 against itself: a deny threshold of 1.0 still denies it ...
    assert watch_effects(screen("Soeharto", policy={"names": {"deny_threshold": 1.0}})) == [
        ("watchlist:2", Decision.DENY)]
    # ... while a partial match never does, whatever the threshold.
    assert watch_effects(screen("Suharto Wibowo", policy={"names": {"deny_threshold": 0.5,
                                                                      "review_threshold": 0.5}})) == [
        ("watchlist:2", Decision.REVIEW)]


def test_contact_mismatch_only_on_an_approved_number_with_a_name():
    mismatch = [f for f in screen("Rudi Hartono").findings if f.reason is Reason.CONTACT_NAME_MISMATCH]
    assert [(f.entry_id, f.effect) for f in mismatch] == [("allowlist:1", Decision.REVIEW)]
    for same in ("Siti Aminah", "Ibu Siti Aminah", "SITI AMINAH", "Aminah Siti"):
        assert Reason.CONTACT_NAME_MISMATCH not in [f.reason for f in screen(same).findings], same
    assert Reason.CONTACT_NAME_MISMATCH not in [f.reason for f in screen("").findings]
    assert Reason.CONTACT_NAME_MISMATCH not in [
        f.reason for f in screen("Rudi", number="0857-1234-5678").findings]


def test_privileged_calls_are_not_matched_by_name():
    screening = screen("Djoko Santoso", number="(021) 555-1234")
    assert screening.decision is Decision.ALLOW and watch_effects(screening) == []
