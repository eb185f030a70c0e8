"""Every row of the README's precedence table ("Decision rules"), in order."""

import pytest
from snapshots import engine_for, make_snapshot, request

from screening.domain.model import BlockAction, Decision, Reason

FAMILY = "0812-3456-7890"  # approved for A-1
LAWYER = "(021) 555-1234"  # privileged
FRAUD = "0811-1111-1111"  # blocked, deny
WATCHED = "0813-2222-3333"  # blocked, review
PREMIUM = "0809 1234567"  # premium rate
STRANGER = "0857-1234-5678"  # on no list
UK = "+44 20 7946 0958"  # international
NEIGHBOUR = "0811-1111-1112"  # one digit from FRAUD
AFTERNOON_ONLY = {"calling_hours": {"sessions": ["14:00-17:00"]}}  # the test clock says 10:00

# The review-blocked number is also privileged: privileged calls are never monitored.
LISTS = make_snapshot(
    version=7,
    allow=[("A-1", FAMILY), ("A-1", FRAUD), ("A-1", WATCHED), ("A-1", PREMIUM), ("A-1", UK), ("A-1", NEIGHBOUR)],
    privileged=[LAWYER, "+62 21 555 9999", "+62 21 555 8888"],
    blocked=[(FRAUD, BlockAction.DENY), (WATCHED, BlockAction.REVIEW),
             ("+62 21 555 9999", BlockAction.DENY), ("+62 21 555 8888", BlockAction.REVIEW)],
)

D, R, A = Decision.DENY, Decision.REVIEW, Decision.ALLOW

# (README row, inmate, number, policy overrides, decision, record, reasons in order)
ROWS = [
    (1, "A-1", "0812-34", {}, D, True, [Reason.INVALID_NUMBER]),
    (2, "A-1", FRAUD, {}, D, True, [Reason.BLOCKED_NUMBER, Reason.ALLOWLISTED]),
    (2, "A-1", "+62 21 555 9999", {}, D, False, [Reason.BLOCKED_NUMBER, Reason.PRIVILEGED]),
    (3, "A-1", LAWYER, {}, A, False, [Reason.PRIVILEGED]),
    (3, "A-9", LAWYER, {}, A, False, [Reason.PRIVILEGED]),
    (3, "A-1", "+62 21 555 8888", {}, A, False, [Reason.BLOCKED_NUMBER, Reason.PRIVILEGED]),
    (3, "A-1", LAWYER, AFTERNOON_ONLY, A, False, [Reason.PRIVILEGED]),
    (4, "A-1", PREMIUM, {}, D, True, [Reason.NUMBER_TYPE, Reason.ALLOWLISTED]),
    (4, "A-1", UK, {}, D, True, [Reason.NUMBER_TYPE, Reason.ALLOWLISTED]),
    (5, "A-1", STRANGER, {}, D, True, [Reason.NOT_ON_ALLOWLIST]),
    (5, "A-9", FAMILY, {}, D, True, [Reason.NOT_ON_ALLOWLIST]),
    (6, "A-1", WATCHED, AFTERNOON_ONLY, D, True,
     [Reason.BLOCKED_NUMBER, Reason.ALLOWLISTED, Reason.OUTSIDE_HOURS]),
    (7, "A-1", WATCHED, {}, R, True, [Reason.BLOCKED_NUMBER, Reason.ALLOWLISTED]),
    (8, "A-1", UK, {"international": "review"}, R, True, [Reason.NUMBER_TYPE, Reason.ALLOWLISTED]),
    (9, "A-1", NEIGHBOUR, {"near_miss_digits": 4}, R, True, [Reason.NEAR_BLOCKED_NUMBER, Reason.ALLOWLISTED]),
    (9, "A-1", FAMILY, {**AFTERNOON_ONLY, "calling_hours": {"sessions": ["14:00-17:00"], "action": "review"}},
     R, True, [Reason.ALLOWLISTED, Reason.OUTSIDE_HOURS]),
    (10, "A-1", "112", {"number_types": {"EMERGENCY": "allow"}}, A, True, [Reason.NOT_ON_ALLOWLIST]),
    (11, "A-1", FAMILY, {}, A, True, [Reason.ALLOWLISTED]),
    (11, "A-1", NEIGHBOUR, {}, A, True, [Reason.ALLOWLISTED]),  # near misses are off by default
    (12, "A-1", STRANGER, {"require_allowlist": False}, A, True, [Reason.NOT_ON_ALLOWLIST]),
]


@pytest.mark.parametrize(
    "row, inmate, number, policy, decision, record, reasons", ROWS,
    ids=[f"row{r[0]}-{r[2]}-{r[1]}" for r in ROWS],
)
def test_precedence_row(row, inmate, number, policy, decision, record, reasons):
    screening = engine_for(LISTS, policy).screen(request(number, inmate=inmate))
    assert screening.decision is decision
    assert screening.record is record
    assert [f.reason for f in screening.findings] == reasons
    assert screening.list_version == 7


def test_every_readme_row_is_tested():
    assert sorted({row[0] for row in ROWS}) == list(range(1, 13))


def test_the_deciding_finding_carries_the_decision_as_its_effect():
    screening = engine_for(LISTS).screen(request(FRAUD))
    effects = {f.reason: f.effect for f in screening.findings}
    assert effects == {Reason.BLOCKED_NUMBER: D, Reason.ALLOWLISTED: A}


def test_privileged_findings_name_the_entry_and_kind():
    [finding] = engine_for(LISTS).screen(request(LAWYER)).findings
    assert finding.entry_id == "privileged:1"
    assert "attorney" in finding.detail and "not recorded" in finding.detail


def test_blocked_finding_names_the_entry():
    finding = engine_for(LISTS).screen(request(FRAUD)).findings[0]
    assert finding.entry_id == "blocklist:1"
    assert finding.score == 1.0


def test_durations_come_from_policy():
    engine = engine_for(LISTS, {"max_duration_seconds": 600, "privileged_max_duration_seconds": 1200})
    assert engine.screen(request(FAMILY)).max_duration_seconds == 600
    assert engine.screen(request(LAWYER)).max_duration_seconds == 1200
    assert engine.screen(request(STRANGER)).max_duration_seconds == 0


def test_per_facility_override_applies_only_to_that_facility():
    engine = engine_for(LISTS, facilities={"LP-OPEN": {"require_allowlist": False}})
    assert engine.screen(request(STRANGER, facility="LP-OPEN")).decision is A
    assert engine.screen(request(STRANGER, facility="LP-CIPINANG")).decision is D


def test_facility_limited_approval_holds_only_in_that_facility():
    lists = make_snapshot(allow=[("A-2", FAMILY, "LP-SALEMBA")])
    engine = engine_for(lists)
    assert engine.screen(request(FAMILY, inmate="A-2", facility="LP-SALEMBA")).decision is A
    assert engine.screen(request(FAMILY, inmate="A-2", facility="LP-CIPINANG")).decision is D


def test_short_codes_are_denied_by_default():
    screening = engine_for(LISTS).screen(request("14045"))
    assert screening.decision is D
    assert screening.normalized_number == ""
    assert screening.findings[0].reason is Reason.NUMBER_TYPE


def test_answer_echoes_call_id_and_normalized_number():
    screening = engine_for(LISTS).screen(request("+62 812 3456 7890", call_id="kiosk-7-991"))
    assert screening.call_id == "kiosk-7-991"
    assert screening.normalized_number == "+6281234567890"
    assert screening.number_region == "ID"


def test_the_test_clock_is_ten_in_the_morning_in_jakarta():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from snapshots import MONDAY_10AM_JAKARTA

    assert datetime.fromtimestamp(MONDAY_10AM_JAKARTA, ZoneInfo("Asia/Jakarta")).strftime("%a %H:%M") == "Mon 10:00"
