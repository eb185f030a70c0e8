"""The engine's use of called_party_name: which effect each match gets."""

import dataclasses

from snapshots import engine_for, make_snapshot, request

from screening.domain.blocklist import Scope
from screening.domain.model import BlockAction, Decision, Reason
from screening.domain.names import name_similarity
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


# Contact consistency with relationships: one inmate's contacts, registered
# with relationships as staff write them.
MOTHER, BROTHER, LAWYER, NOT_SAID = "0812-1111-0001", "0812-1111-0002", "0812-1111-0003", "0812-1111-0004"
FAMILY = make_snapshot(allow=[
    ("A-1", MOTHER, "", "Ibu Siti Aminah", "Ibu Kandung"),
    ("A-1", BROTHER, "", "Budi Santoso", "kakak laki-laki"),
    ("A-1", LAWYER, "", "Rina Marlina, S.H.", "pengacara"),
    ("A-1", NOT_SAID, "", "Siti Aminah", ""),
])


def mismatches(name, number):
    screening = engine_for(FAMILY).screen(request(number, called_party_name=name))
    found = [f for f in screening.findings if f.reason is Reason.CONTACT_NAME_MISMATCH]
    assert screening.decision is (Decision.REVIEW if found else Decision.ALLOW), name
    return found


def consistent(name, number):
    return mismatches(name, number) == []


def test_a_similar_names_are_the_contact():
    for name in ("Siti Aminah", "Hj. Siti Aminah", "Aminah Siti"):
        assert name_similarity(name, "Ibu Siti Aminah").score >= 0.65
        assert consistent(name, MOTHER), name


def test_b_part_of_the_registered_name_is_the_contact():
    for name, number, registered in (("Siti", MOTHER, "Ibu Siti Aminah"), ("Ibu Siti", MOTHER, "Ibu Siti Aminah"),
                                     ("Budi", BROTHER, "Budi Santoso"), ("Mas Budi", BROTHER, "Budi Santoso"),
                                     ("Siti", NOT_SAID, "Siti Aminah")):
        assert name_similarity(name, registered).score < 0.65, name  # rule (a) alone would flag it
        assert consistent(name, number), name


def test_b_one_word_outside_the_registered_name_is_not():
    for name in ("Siti Rahma", "Siti Siti", "Budi Siti"):
        [finding] = mismatches(name, MOTHER)
        assert finding.detail == f"called party {name!r} is not 'Ibu Siti Aminah', registered for this number"
        assert finding.entry_id == "allowlist:1" and finding.effect is Decision.REVIEW


def test_c_a_relationship_word_that_fits_the_registered_relationship_is_the_contact():
    for name in ("Mama", "Mamah", "MAMA", "Mamá", "Ibu", "Bunda", "Emak", "Umi", "Bu"):
        assert consistent(name, MOTHER), name
    for name in ("Kakak", "Kak", "Mas", "Abang", "Bang", "Akang", "Bro"):
        assert consistent(name, BROTHER), name
    for name in ("Ibu", "Bu", "Pak"):  # polite forms: a lawyer is addressed so
        assert consistent(name, LAWYER), name


def test_d_relationship_words_and_part_of_the_name_are_the_contact():
    assert name_similarity("Mama Siti", "Ibu Siti Aminah").score < 0.65
    assert consistent("Mama Siti", MOTHER)
    assert consistent("Bunda Siti Aminah", MOTHER)
    assert consistent("Bro Budi", BROTHER)
    # ... but the name words must still be the contact's.
    [finding] = mismatches("Mama Rina", MOTHER)
    assert "is not 'Ibu Siti Aminah'" in finding.detail


def test_a_relationship_word_that_does_not_fit_is_a_mismatch_saying_so():
    [finding] = mismatches("Mama", BROTHER)
    assert finding.detail == ("called party 'Mama' does not fit the registered relationship older brother of "
                              "'Budi Santoso'")
    assert (finding.entry_id, finding.effect) == ("allowlist:2", Decision.REVIEW)
    for name in ("Adik", "Mbak", "Istri", "Mama Budi"):  # a younger sibling, a sister, a wife, Budi's mother
        [finding] = mismatches(name, BROTHER)
        assert "does not fit the registered relationship older brother" in finding.detail, name
    [finding] = mismatches("Sayang", LAWYER)
    assert "does not fit the registered relationship lawyer of 'Rina Marlina, S.H.'" in finding.detail


def test_with_no_relationship_registered_only_a_polite_form_or_the_name_passes():
    for name in ("Ibu", "Bu", "Mbak", "Mama Siti", "Siti"):
        assert consistent(name, NOT_SAID), name
    [finding] = mismatches("Mama", NOT_SAID)
    assert finding.detail == "called party 'Mama' names a relationship, but none is registered for 'Siti Aminah'"
    assert finding.entry_id == "allowlist:4"


def test_a_common_name_names_only_the_most_severe_few_matches():
    families = ["Wowor", "Mandagi", "Rumengan", "Sondakh", "Pattimura", "Tuasikal", "Mahulette", "Matulessy"]
    crowded = dataclasses.replace(BASE, watchlist=Watchlist(
        [WatchRow(10 + i, f"Anwar {family}") for i, family in enumerate(families)]
        + [WatchRow(5, "Anwar", (), WatchCategory.FRAUD, BlockAction.DENY)]))

    def watched(policy=None):
        screening = engine_for(crowded, policy).screen(request("0812-3456-7890", inmate="A-1",
                                                               called_party_name="Anwar"))
        return screening.decision, watch_effects(screening)

    decision, effects = watched()
    assert decision is Decision.DENY
    assert effects == [("watchlist:5", Decision.DENY), *((f"watchlist:{i}", Decision.REVIEW) for i in range(10, 14))]
    assert watched({"names": {"max_watchlist_findings": 1}}) == (Decision.DENY, [("watchlist:5", Decision.DENY)])
    assert len(watched({"names": {"max_watchlist_findings": 20}})[1]) == 1 + len(families)
