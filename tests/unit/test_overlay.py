"""apply_delta: a snapshot with an overlay answers exactly as one built whole.

The property: from random lists, apply random deltas one after another
(adds, removals, edits, keys changed, expiries set and cleared, imports of
many rows), and after each compare the overlaid snapshot with build_snapshot
of the current rows on many lookups and screenings. OVERLAY_SEEDS=500 runs
more seeds than the default few.
"""

import os
import random

import pytest
from list_model import APPROVED, FACILITIES, INMATES, MOMENTS, NUMBERS, WATCH_NAMES, ListModel
from snapshots import request

from screening.domain.behaviour import RecentCalls
from screening.domain.engine import ScreeningEngine
from screening.domain.errors import IncompleteDelta, InvalidEntry
from screening.domain.lists import Allowlist, NumberTable
from screening.domain.overlay import apply_delta
from screening.domain.policy import build_policy_set
from screening.domain.snapshots import Delta, ListChange, ListRows, build_snapshot
from screening.domain.watchlist import Watchlist

SEEDS = int(os.environ.get("OVERLAY_SEEDS", "12"))
DELTAS = 8

APPROVED_KEYS = [int(n[1:]) for n in APPROVED] + [6285712345678]  # and one never approved
KEYS = [int(n[1:]) for n in NUMBERS] + [62809, 6280912345678, 628091234567890, 6281234567, 62812345678999]
CALLED = (*WATCH_NAMES, "siti aminah", "Aminah Siti", "Budi", "Santoso", "Pak Budi Santoso", "Agus Salim Putra",
          "Joko Widodo", "Bank Rakyat", "Wijaya Lestari Dewi", "Dewi Budi Agus", "Budi Dewi Siti", "")
POLICIES = build_policy_set({"near_miss_digits": 2, "shared_number": {"max_inmates_approved": 1}},
                            {"LP-B": {"require_allowlist": False, "near_miss_digits": 0},
                             "LP-C": {"names": {"max_watchlist_findings": 2}}})


def answers(snapshot, rng: random.Random) -> list:
    """What the lists answer to many questions, picked by `rng` (the same
    questions for two snapshots given equal generators)."""
    inmates, facilities = (*INMATES, "A-9"), ("", *FACILITIES)
    allow = snapshot.allowlist
    found = [snapshot.counts(), allow.inmate_count]
    found += [(allow.find(i, f, k), allow.find_contact(i, f, k)) for i in inmates for f in facilities
              for k in APPROVED_KEYS]
    found += [(snapshot.privileged.find(k), snapshot.shared_approvals.find(k)) for k in KEYS]
    found += [snapshot.blocked.find(k, len(str(k)), f, i, int(t)) for k in KEYS for t in MOMENTS
              for f, i in rng.sample([(f, i) for f in facilities for i in inmates], 3)]
    found += [snapshot.blocked.near_miss(k, p, int(t)) for k in KEYS for p in (1, 2, 3) for t in MOMENTS[:2]]
    return found + watch_answers(snapshot.watchlist, rng)


def watch_answers(watchlist, rng: random.Random) -> list:
    found = []
    for name in rng.sample(CALLED, 10):
        facility, inmate = rng.choice(FACILITIES), rng.choice(INMATES)
        for review, deny, limit in ((0.65, 0.9, 5), (0.5, 0.8, 2), (0.8, 0.95, 1), (0.3, 0.6, 8)):
            found.append(watchlist.hits(name, facility, inmate, review, deny, limit))
            found.append(watchlist.find_hits(name, facility, inmate, review, deny, limit))
        found.append(watchlist.search(name, facility, inmate, 0.5))
        found.append(watchlist.search(name, facility, inmate, 0.3, 3))
    return found


def screenings(snapshot, rng: random.Random) -> list:
    found = []
    for moment in MOMENTS[:3]:
        engine = ScreeningEngine(POLICIES, snapshot, clock=lambda: moment)
        for n in range(25):
            call = request(rng.choice(NUMBERS), inmate=rng.choice(INMATES), facility=rng.choice(FACILITIES),
                           call_id=f"c-{n}", called_party_name=rng.choice(CALLED))
            found.append(engine.screen(call, RecentCalls(3600)))
    return found


def assert_same(overlaid, whole, seed: int, step: int) -> None:
    probe = random.Random(seed * 1000 + step)
    state = probe.getstate()
    assert answers(overlaid, probe) == answers(whole, _at(state)), (seed, step)
    assert screenings(overlaid, _at(state)) == screenings(whole, _at(state)), (seed, step)


def _at(state) -> random.Random:
    rng = random.Random()
    rng.setstate(state)
    return rng


@pytest.mark.parametrize("seed", range(SEEDS))
def test_deltas_answer_as_a_whole_build(seed):
    rng = random.Random(seed)
    model = ListModel(rng, size=rng.choice((0, 8, 25)))
    snapshot = build_snapshot(model.list_rows())
    for step in range(DELTAS):
        delta = model.import_rows(rng.randrange(20, 60)) if rng.random() < 0.15 else model.delta(
            rng.choice((1, 1, 2, 5, 15)))
        kept = (snapshot, answers(snapshot, random.Random(step)))
        snapshot = apply_delta(snapshot, delta)
        assert snapshot.version == delta.version
        assert_same(snapshot, build_snapshot(model.list_rows()), seed, step)
        # The snapshot before still answers as it did: calls in flight keep it.
        assert answers(kept[0], random.Random(step)) == kept[1], (seed, step)


def test_a_snapshot_built_whole_has_no_overlay():
    model = ListModel(random.Random(1), size=5)
    snapshot = build_snapshot(model.list_rows())
    assert snapshot.overlay_size() == 0
    assert type(snapshot.allowlist) is Allowlist and type(snapshot.watchlist) is Watchlist
    assert type(snapshot.privileged) is NumberTable and type(snapshot.shared_approvals) is NumberTable


def test_the_overlay_grows_with_the_changes_and_lists_untouched_are_shared():
    model = ListModel(random.Random(2), size=5)
    snapshot = build_snapshot(model.list_rows())
    row = (999, "Siti", ("Bu Siti",), "victim", "deny", "global")
    after = apply_delta(snapshot, Delta(7, (ListChange("watchlist", 999, None, row),)))
    assert after.overlay_size() == 1 and after.counts()["watchlist"] == snapshot.counts()["watchlist"] + 1
    assert after.allowlist is snapshot.allowlist and after.blocked is snapshot.blocked
    removed = apply_delta(after, Delta(8, (ListChange("watchlist", 999, row, None),)))
    assert removed.counts() == snapshot.counts() and removed.overlay_size() == 0


def test_a_delta_without_the_approvals_of_a_number_it_touches_is_refused():
    snapshot = build_snapshot(ListRows(1))
    row = (1, "A-1", "", "+6281234567800", "Siti", "mother")
    with pytest.raises(IncompleteDelta):
        apply_delta(snapshot, Delta(2, (ListChange("allowlist", 1, None, row),)))
    with pytest.raises(InvalidEntry):
        apply_delta(snapshot, Delta(2, (ListChange("phonebook", 1, None, row),)))
    with pytest.raises(InvalidEntry):
        apply_delta(snapshot, Delta(2, (ListChange("allowlist", 2, None, row),), {"+6281234567800": ()}))
