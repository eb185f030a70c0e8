"""The registration warning and the shared-number rule agree, on one table:
tests/unit/same_person_pairs.csv, each pair registered for one number by two
inmates in a real SQLite store through the service (`allowlist add`), then
screened by the engine on the store's snapshot."""

import csv
from pathlib import Path

import pytest

from screening.adapters.sqlite.store import SqliteStore
from screening.domain.behaviour import RecentCalls
from screening.domain.engine import ScreeningEngine
from screening.domain.entries import Change
from screening.domain.model import Reason, ScreenRequest
from screening.domain.policy import build_policy_set
from screening.service.list_changes import add_allowlist

PAIRS = list(csv.DictReader((Path(__file__).parents[1] / "unit" / "same_person_pairs.csv").open(encoding="utf-8")))
POLICIES = build_policy_set()
WHY = Change("staff.a", "visiting day registrations")
NOT_SAME = "not the same person"


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    """Every pair on its own number: (row, number, warnings on the second registration), and the engine."""
    outcomes = []
    with SqliteStore(tmp_path_factory.mktemp("same-person") / "lists.db") as store:
        for i, row in enumerate(PAIRS):
            number = f"0812-7000-{i:04d}"
            first = add_allowlist(store, POLICIES, "A-1", number, row["a"], "", "", WHY)
            second = add_allowlist(store, POLICIES, "A-2", number, row["b"], "", "", WHY)
            assert not [w for w in first.warnings if NOT_SAME in w]
            outcomes.append((row, second.entry.number, second.warnings))
        snapshot = store.snapshot()
    return outcomes, ScreeningEngine(POLICIES, snapshot, clock=lambda: 1796007600.0)  # a Monday, 10:00 Jakarta


def shared_findings(engine, number):
    answer = engine.screen(ScreenRequest(call_id="c", facility_id="LP-A", inmate_id="A-1", dialed_number=number),
                           RecentCalls(86400))
    return [f.detail for f in answer.findings if f.reason is Reason.SHARED_NUMBER]


def test_the_warning_and_the_shared_number_rule_agree_on_every_pair(registered):
    outcomes, engine = registered
    for row, number, warnings in outcomes:
        warned = [w for w in warnings if NOT_SAME in w]
        flagged = shared_findings(engine, number)
        if row["same"] == "yes":
            assert (warned, flagged) == ([], []), row
        else:
            assert warned == [f"{number} is also registered by inmate A-1 as {row['a']!r}, not the same person as "
                              f"{row['b']!r}: the shared-number rule will flag calls to it"], row
            assert flagged == [f"{number} is registered by 2 inmates under 2 different people's names"], row
