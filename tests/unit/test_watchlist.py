"""Watchlist.hits: the few most severe matches of a call, found without finding them all."""

from screening.domain.blocklist import Scope
from screening.domain.model import BlockAction
from screening.domain.names import DEFAULT_DENY_THRESHOLD, DEFAULT_REVIEW_THRESHOLD
from screening.domain.watchlist import WatchCategory, Watchlist, WatchRow

REVIEW, DENY = BlockAction.REVIEW, BlockAction.DENY
FAMILIES = ["Siregar", "Nasution", "Hasibuan", "Harahap", "Lubis", "Tanjung", "Sinaga", "Simanjuntak", "Pohan",
            "Sitompul", "Tambunan", "Panjaitan", "Manurung", "Marpaung", "Situmorang", "Pangaribuan"]


def hits(watchlist, name, facility="F-1", inmate="A-1", limit=5):
    return watchlist.hits(name, facility, inmate, DEFAULT_REVIEW_THRESHOLD, DEFAULT_DENY_THRESHOLD, limit)


def crowd(action=REVIEW, start=100):
    """Many entries that a one-word name matches partly, all scoring the same."""
    return [WatchRow(start + i, f"Anwar {family}", action=action) for i, family in enumerate(FAMILIES)]


def test_at_most_the_limit_best_first():
    watchlist = Watchlist(crowd())
    found = hits(watchlist, "Anwar", limit=5)
    assert len(found) == 5 and all(hit.partial and not hit.denies for hit in found)
    everything = watchlist.search("Anwar", "F-1", "A-1", DEFAULT_REVIEW_THRESHOLD)
    assert len(everything) == len(FAMILIES) and found == everything[:5]


def test_a_denying_entry_is_found_behind_better_scoring_review_entries():
    # Five review entries score 1 (the same name); the deny entry scores less, still above deny.
    rows = [WatchRow(i, "Joko Santoso", action=REVIEW) for i in range(1, 6)]
    rows.append(WatchRow(9, "Djoko Sentoso", action=DENY))
    watchlist = Watchlist(rows)
    found = hits(watchlist, "Joko Santoso", limit=5)
    assert found[0].entry_id == 9 and found[0].denies and DEFAULT_DENY_THRESHOLD <= found[0].score < 1
    assert [hit.entry_id for hit in found[1:]] == [1, 2, 3, 4] and not any(hit.denies for hit in found[1:])


def test_an_alias_matched_whole_denies_though_another_scores_more_partly():
    # Partly inside the name (0.96), wholly, with a typo, as the alias (0.93): the alias denies.
    watchlist = Watchlist([WatchRow(1, "Suharto Wibowo Siti", ("Suharto Wibawo",), action=DENY)])
    assert watchlist.search("Suharto Wibowo", "F-1", "A-1", DEFAULT_REVIEW_THRESHOLD)[0].partial
    [hit] = hits(watchlist, "Suharto Wibowo")
    assert (hit.entry_id, hit.name, hit.denies, hit.partial) == (1, "Suharto Wibawo", True, False)
    watchlist = Watchlist([WatchRow(1, "Suharto Siti", ("Suharto Wibowo Hadi Susilo",), action=DENY)])
    found = hits(watchlist, "Suharto")
    assert [(h.entry_id, h.denies) for h in found] == [(1, False)] and found[0].partial


def test_entries_of_other_inmates_and_facilities_take_no_place():
    # Better-scoring entries scoped elsewhere must not push the applicable ones out of the limit.
    rows = [WatchRow(i, "Anwar", scope=Scope.parse(f"inmate:B-{i}")) for i in range(1, 11)]
    rows += [WatchRow(50, "Anwar", scope=Scope.parse("facility:F-2"), action=DENY)]
    rows += crowd(start=100)[:3]
    rows += [WatchRow(60, "Anwar", scope=Scope.parse("inmate:A-1"), action=DENY)]
    watchlist = Watchlist(rows)
    found = hits(watchlist, "Anwar", limit=3)
    assert [(h.entry_id, h.denies) for h in found] == [(60, True), (100, False), (101, False)]
    assert [h.entry_id for h in hits(watchlist, "Anwar", inmate="B-4", facility="F-2", limit=3)] == [50, 4, 100]


def test_no_match_no_hits():
    watchlist = Watchlist([*crowd(), WatchRow(1, "Joko Santoso", action=DENY)])
    assert hits(watchlist, "Rudi Hartono") == []
    assert hits(watchlist, "Joko Susanto") == []  # another person
    assert Watchlist().hits("Anwar", "F-1", "A-1", 0.65, 0.9, 5) == []


def test_categories_come_with_the_hits():
    watchlist = Watchlist([WatchRow(7, "Bank BRI", category=WatchCategory.ORGANISATION, action=DENY)])
    [hit] = hits(watchlist, "bank bri")
    assert (hit.category, hit.action, hit.denies) == (WatchCategory.ORGANISATION, DENY, True)


def test_answers_are_remembered_per_call_party_inmate_and_thresholds(monkeypatch):
    from screening.domain import watchlist as module

    monkeypatch.setattr(module, "_REMEMBERED", 3)
    watchlist = Watchlist([WatchRow(1, "Rina Marlina", action=DENY, scope=Scope.parse("inmate:A-1")),
                           *crowd(start=100)])
    first = hits(watchlist, "Rina Marlina", inmate="A-1")
    first.clear()  # the caller's list is its own
    assert [h.entry_id for h in hits(watchlist, "Rina Marlina", inmate="A-1")] == [1]
    assert hits(watchlist, "Rina Marlina", inmate="A-2") == []  # the inmate is part of the question
    assert len(watchlist.hits("Anwar", "F-1", "A-1", 0.65, 0.9, 2)) == 2  # and the thresholds
    for n in range(10):  # more names than it keeps: it forgets, never answers wrong
        hits(watchlist, f"Nobody {n}")
    assert len(watchlist._remembered) <= 3
    assert hits(watchlist, "Anwar") == watchlist.find_hits("Anwar", "F-1", "A-1", DEFAULT_REVIEW_THRESHOLD,
                                                           DEFAULT_DENY_THRESHOLD, 5)
