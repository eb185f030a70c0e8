"""The reports against a seeded store and decision log with known answers
(report_seed.py says what each call was), on every backend."""

import pytest

from screening.adapters.sqlite.decision_log import SqliteDecisionLog
from screening.adapters.sqlite.store import SqliteStore
from screening.domain.entries import BlockEntry
from screening.service.explain import PRIVILEGED_ENTRY, explain
from screening.service.inmate_report import inmate_report
from screening.service.links import links
from screening.service.reports import hits, shared_numbers
from screening.service.ports import StoreError

from report_seed import FAMILY, FRAUD, IMPORTED, KAKAK, LAWYER, PATTERN_HIT, WHY, at, seed_calls, seed_lists


def _sqlite(request):
    folder = request.getfixturevalue("tmp_path")
    return SqliteStore(folder / "lists.db"), SqliteDecisionLog(folder / "decisions.db")


def _postgres(request):
    from screening.adapters.postgres.decision_log import PostgresDecisionLog
    from screening.adapters.postgres.store import PostgresStore

    url = request.getfixturevalue("postgres_url")
    spool = request.getfixturevalue("tmp_path") / "decisions.spool"
    return PostgresStore(url), PostgresDecisionLog(url, spool_path=spool, replica="reports")


BACKENDS = {"sqlite": _sqlite, "postgres": _postgres}


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded(request):
    """(store, log), the lists and the calls of report_seed in them."""
    store, log = BACKENDS[request.param](request)
    seed_lists(store)
    seed_calls(store, log)
    yield store, log
    log.close()
    store.close()


def rows(report, table=0):
    return report.tables[table].rows


def by(rows_, key):
    return {row[key]: row for row in rows_}


def test_hits_counts_each_entry_a_call_hit(seeded):
    found = by(rows(hits(*seeded)), "entry")
    assert set(found) == {"blocklist:1", "blocklist:2", "blocklist:5", "watchlist:1"}  # 3 never hit; 4 privileged
    fraud = found["blocklist:1"]
    assert (fraud["attempts"], fraud["first_at"], fraud["last_at"]) == (3, at(1), at(7))
    assert (fraud["inmates"], fraud["inmate_ids"], fraud["facilities"], fraud["facility_ids"]) == (
        3, ["A-1", "B-2", "C-3"], 2, ["LP-A", "LP-B"])
    assert (fraud["deny"], fraud["review"], fraud["allow"]) == (3, 0, 0)
    assert (fraud["pattern"], fraud["category"], fraud["source"], fraud["action"]) == (
        FRAUD, "fraud", "LP/123", "deny")
    assert (found["blocklist:2"]["attempts"], found["blocklist:2"]["pattern"]) == (1, "+62899*")
    witness = found["watchlist:1"]
    assert (witness["attempts"], witness["review"], witness["inmate_ids"], witness["name"],
            witness["category"], witness["first_at"]) == (1, 1, ["C-3"], "Budi Santoso", "witness", at(8))
    assert list(found)[0] == "blocklist:1"  # the most attempts first


def test_hits_by_police_report_category_and_time(seeded):
    store, log = seeded
    assert [r["entry"] for r in rows(hits(store, log, source="LP/123"))] == ["blocklist:1", "blocklist:2"]
    assert [r["entry"] for r in rows(hits(store, log, source="LP/125"))] == ["blocklist:5"]
    assert rows(hits(store, log, source="LP/124")) == []  # its entries were never dialled
    assert [r["entry"] for r in rows(hits(store, log, category="narcotics"))] == ["blocklist:2"]
    assert [r["entry"] for r in rows(hits(store, log, category="Witness"))] == ["watchlist:1"]
    since = by(rows(hits(store, log, since=at(2))), "entry")["blocklist:1"]
    assert (since["attempts"], since["first_at"], since["inmate_ids"]) == (2, at(2), ["B-2", "C-3"])
    until = rows(hits(store, log, source="LP/123", until=at(2)))
    assert [(r["entry"], r["attempts"], r["last_at"]) for r in until] == [("blocklist:1", 1, at(1))]
    with pytest.raises(StoreError, match="no blocklist entry has the source 'LP/999'"):
        hits(store, log, source="LP/999")
    with pytest.raises(StoreError, match="--category: 'gossip' is not a blocklist or watchlist category"):
        hits(store, log, category="gossip")


def test_an_entry_removed_since_still_counts_its_hits(seeded):
    store, log = seeded
    store.remove(BlockEntry, {"pattern": "+62899*", "scope": "global"}, WHY)
    removed = by(rows(hits(store, log)), "entry")["blocklist:2"]
    assert (removed["attempts"], removed["name"]) == (1, "(removed)")


def test_shared_numbers_are_registered_or_called_by_several_inmates(seeded):
    store, log = seeded
    found = rows(shared_numbers(store, log))
    assert [r["number"] for r in found] == [FRAUD, FAMILY]  # the lawyer two inmates registered: never
    fraud, family = found
    assert (fraud["inmates"], fraud["registered_by"], fraud["called_by"], fraud["attempts"], fraud["names"]) == (
        3, 0, 3, 3, [])
    assert (family["inmates"], family["registered_by"], family["called_by"], family["attempts"]) == (2, 2, 2, 2)
    assert family["facility_ids"] == ["*", "LP-A", "LP-B"] and family["inmate_ids"] == ["A-1", "B-2"]
    assert family["names"] == ["A-1: Ibu Siti", "B-2: Siti Aminah"]
    assert [r["number"] for r in rows(shared_numbers(store, log, min_inmates=3))] == [FRAUD]
    late = by(rows(shared_numbers(store, log, since=at(5))), "number")
    assert FRAUD not in late and late[FAMILY]["called_by"] == 1  # from d5 on: B-2 called it, C-3 the fraud number
    with pytest.raises(StoreError, match="--min-inmates"):
        shared_numbers(store, log, min_inmates=1)


def test_the_inmate_report(seeded):
    store, log = seeded
    report = inmate_report(store, log, "A-1")
    [summary] = rows(report, 0)
    assert summary == {"inmate": "A-1", "attempts": 3, "allow": 1, "review": 0, "deny": 2, "privileged_calls": 0,
                       "numbers_called": 3, "first_at": at(1), "last_at": at(4)}
    assert [(c["number"], c["name"], c["attempts"], c["shared_with"]) for c in rows(report, 1)] == [
        (FAMILY, "Ibu Siti", 1, 1)]  # the lawyer is not shown
    assert rows(report, 2) == [{"reason": "BLOCKED_NUMBER", "denied": 1, "flagged": 0},
                               {"reason": "BLOCKED_PATTERN", "denied": 1, "flagged": 0},
                               {"reason": "NOT_ON_ALLOWLIST", "denied": 2, "flagged": 0}]
    assert {r["number"]: (r["attempts"], r["deny"], r["registered_as"]) for r in rows(report, 3)} == {
        FRAUD: (1, 1, ""), PATTERN_HIT: (1, 1, ""), FAMILY: (1, 0, "Ibu Siti")}
    assert [(r["number"], r["other_inmates"], r["registered_by"], r["called_by"]) for r in rows(report, 4)] == [
        (FAMILY, ["B-2"], ["B-2"], ["B-2"]), (FRAUD, ["B-2", "C-3"], [], ["B-2", "C-3"])]
    [b2] = rows(inmate_report(store, log, "B-2"), 0)
    assert (b2["attempts"], b2["privileged_calls"], b2["deny"], b2["numbers_called"]) == (3, 1, 1, 2)
    [c3] = rows(inmate_report(store, log, "C-3", since=at(8)), 0)
    assert (c3["attempts"], c3["review"], c3["deny"], c3["first_at"]) == (2, 1, 1, at(8))
    flagged = by(rows(inmate_report(store, log, "C-3"), 2), "reason")
    assert flagged["WATCHLIST_MATCH"] == {"reason": "WATCHLIST_MATCH", "denied": 0, "flagged": 1}


def test_links_around_a_number_and_an_inmate(seeded):
    store, log = seeded
    around = links(store, log, "ID", number="0857-1234-5678", hops=1)
    assert [(n["kind"], n["node"], n["hops"]) for n in rows(around)] == [
        ("number", FRAUD, 0), ("inmate", "A-1", 1), ("inmate", "B-2", 1), ("inmate", "C-3", 1)]
    assert [(e["inmate"], e["calls"]) for e in rows(around, 1)] == [("A-1", 1), ("B-2", 1), ("C-3", 1)]
    wide = links(store, log, "ID", inmate="A-1", hops=2)
    assert {(n["node"], n["hops"]) for n in rows(wide)} == {
        ("A-1", 0), (FRAUD, 1), (PATTERN_HIT, 1), (FAMILY, 1), ("B-2", 2), ("C-3", 2)}
    assert {(e["inmate"], e["number"], e["registered_as"], e["calls"]) for e in rows(wide, 1)} == {
        ("A-1", FRAUD, "", 1), ("A-1", PATTERN_HIT, "", 1), ("A-1", FAMILY, "Ibu Siti", 1),
        ("B-2", FRAUD, "", 1), ("C-3", FRAUD, "", 1), ("B-2", FAMILY, "Siti Aminah", 1)}
    assert wide.tables[1].note == ""
    three = links(store, log, "ID", inmate="C-3", hops=3)
    assert KAKAK in {n["node"] for n in rows(three)} and LAWYER not in str(rows(three)) + str(rows(three, 1))
    cut = links(store, log, "ID", inmate="A-1", hops=2, max_nodes=4)
    assert len(rows(cut)) == 4 and "cut at 4 nodes" in cut.tables[1].note
    with pytest.raises(StoreError, match="privileged"):
        links(store, log, "ID", number=LAWYER)
    with pytest.raises(StoreError, match="--hops"):
        links(store, log, "ID", inmate="A-1", hops=5)


def test_a_decision_explained_with_its_entries_as_they_stood(seeded):
    store, log = seeded
    store.edit(BlockEntry, {"pattern": FRAUD, "scope": "global"}, {"source": "LP/123-rev"}, WHY)
    store.remove(BlockEntry, {"pattern": "+62899*", "scope": "global"}, WHY)
    first = explain(store, log, "d1")
    assert (first["inmate_id"], first["decision"], first["normalized_number"]) == ("A-1", "DENY", FRAUD)
    [entry] = first["entries"]
    assert entry["entry"] == "blocklist:1" and entry["then"]["source"] == "LP/123"
    [edit] = entry["since"]
    assert edit["action"] == "edit" and edit["changed"] == {"source": ["LP/123", "LP/123-rev"]}
    [removed] = explain(store, log, "d3")["entries"]
    assert removed["then"]["pattern"] == "+62899*" and [c["action"] for c in removed["since"]] == ["remove"]
    [imported] = explain(store, log, "d9")["entries"]
    assert imported["then"]["pattern"] == IMPORTED and imported["since"] == []  # from the import's rows
    lawyer = explain(store, log, "d6")
    assert lawyer["normalized_number"] == lawyer["dialed_number"] == lawyer["called_party_name"] == ""
    assert all(e["then"] is None and e["note"] == PRIVILEGED_ENTRY for e in lawyer["entries"])
    assert LAWYER not in str(lawyer) and "Pengacara" not in str(lawyer) and "LBH" not in str(lawyer)


def test_one_call_id_at_two_facilities_needs_the_facility(seeded):
    store, log = seeded
    seed_calls(store, log, [("twice", "A-1", "LP-A", FAMILY, ""), ("twice", "B-2", "LP-B", FAMILY, "")], start=20)
    with pytest.raises(StoreError, match=r"call_id 'twice' was screened at several facilities \(LP-A, LP-B\)"):
        explain(store, log, "twice")
    assert explain(store, log, "twice", facility="LP-B")["inmate_id"] == "B-2"
    with pytest.raises(StoreError, match="no decision for call_id 'nope'"):
        explain(store, log, "nope")
