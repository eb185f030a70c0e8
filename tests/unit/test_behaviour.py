"""Behavioural rules, each at and around its threshold."""

from datetime import UTC, datetime

import pytest
from snapshots import make_snapshot, request

from screening.domain.behaviour import Attempt, RecentCalls
from screening.domain.engine import ScreeningEngine
from screening.domain.model import Decision, Reason
from screening.domain.policy import build_policy_set

T0 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC).timestamp()  # 10:00 in Jakarta
BASE = 6281234560000
LISTS = make_snapshot(allow=[("A-1", f"+{BASE + i}") for i in range(40)])


def engine(policy=None, at=T0, lists=LISTS):
    return ScreeningEngine(build_policy_set(policy), lists, clock=lambda: at)


def recent_with(*attempts):
    recent = RecentCalls(86400)
    for attempt in attempts:
        recent.add(attempt)
    return recent


def findings_of(screening, reason):
    return [f for f in screening.findings if f.reason is reason]


VELOCITY = {"velocity": {"max_attempts": 5, "max_distinct_numbers": 3, "window_seconds": 600}}


@pytest.mark.parametrize("earlier, fires", [(4, False), (5, True), (6, True)])
def test_velocity_attempts_at_the_threshold(earlier, fires):
    recent = recent_with(*(Attempt(T0 - 60 * i, "A-1", BASE) for i in range(1, earlier + 1)))
    screening = engine(VELOCITY).screen(request(f"+{BASE}", inmate="A-1"), recent)
    found = findings_of(screening, Reason.VELOCITY)
    assert bool(found) is fires
    if fires:
        assert found[0].detail == f"{earlier + 1} call attempts in the last 10 min (limit 5)"
        assert found[0].effect is Decision.REVIEW and screening.decision is Decision.REVIEW


def test_velocity_counts_only_the_window_and_the_inmate():
    recent = recent_with(*(Attempt(T0 - 601 - i, "A-1", BASE) for i in range(10)),
                         *(Attempt(T0 - 10, "A-2", BASE) for _ in range(10)))
    assert not findings_of(engine(VELOCITY).screen(request(f"+{BASE}"), recent), Reason.VELOCITY)


@pytest.mark.parametrize("distinct_before, fires", [(2, False), (3, True)])
def test_velocity_distinct_numbers(distinct_before, fires):
    # Numbers far apart, so sequential dialing stays out of it.
    recent = recent_with(*(Attempt(T0 - 10, "A-1", BASE + 17 * i) for i in range(1, distinct_before + 1)))
    found = findings_of(engine(VELOCITY).screen(request(f"+{BASE}"), recent), Reason.VELOCITY)
    assert bool(found) is fires
    if fires:
        assert "4 different numbers in the last 10 min (limit 3)" in found[0].detail


SEQUENTIAL = {"sequential_dialing": {"run": 3, "max_step": 10, "window_seconds": 1800, "action": "deny"}}


@pytest.mark.parametrize("earlier, last, fires", [
    ([BASE + 1, BASE + 2], BASE + 3, True),  # walking up by one
    ([BASE + 20, BASE + 10], BASE, True),  # walking down by ten
    ([BASE + 1, BASE + 1, BASE + 2], BASE + 3, True),  # a redial in between does not break the walk
    ([BASE + 2], BASE + 3, False),  # only two numbers so far
    ([BASE + 1, BASE + 13], BASE + 14, False),  # a step of 12
    ([BASE + 1, BASE + 2], BASE + 1, False),  # back and forth between two lines
    ([BASE - 10**8 + 1, BASE + 2], BASE + 3, False),  # far apart
])
def test_sequential_dialing(earlier, last, fires):
    recent = recent_with(*(Attempt(T0 - 100 + i, "A-1", key) for i, key in enumerate(earlier)))
    screening = engine(SEQUENTIAL).screen(request(f"+{last}"), recent)
    found = findings_of(screening, Reason.SEQUENTIAL_DIALING)
    assert bool(found) is fires, [f.detail for f in screening.findings]
    if fires:
        assert screening.decision is Decision.DENY
        assert found[0].detail.startswith("dialed +")


def test_sequential_dialing_ignores_calls_outside_the_window():
    recent = recent_with(Attempt(T0 - 1801, "A-1", BASE + 1), Attempt(T0 - 10, "A-1", BASE + 2))
    assert not findings_of(engine(SEQUENTIAL).screen(request(f"+{BASE + 3}"), recent), Reason.SEQUENTIAL_DIALING)


SHARED = {"shared_number": {"max_inmates_approved": 2, "max_inmates_calling": 2, "window_seconds": 3600}}


@pytest.mark.parametrize("approved_for, fires", [(2, False), (3, True)])
def test_shared_number_by_approvals(approved_for, fires):
    lists = make_snapshot(allow=[(f"A-{i}", f"+{BASE}") for i in range(approved_for)])
    from screening.domain.lists import ListSnapshot, NumberTable

    lists = ListSnapshot(lists.version, lists.allowlist, lists.privileged, lists.blocked,
                         NumberTable([(BASE, approved_for, 0)]))
    found = findings_of(engine(SHARED, lists=lists).screen(request(f"+{BASE}", inmate="A-0"), recent_with()),
                        Reason.SHARED_NUMBER)
    assert bool(found) is fires
    if fires:
        assert found[0].detail == f"+{BASE} is approved for 3 inmates (limit 2)"


@pytest.mark.parametrize("other_callers, fires", [(1, False), (2, True)])
def test_shared_number_by_callers(other_callers, fires):
    recent = recent_with(*(Attempt(T0 - 60, f"B-{i}", BASE) for i in range(other_callers)),
                         Attempt(T0 - 3601, "B-old", BASE))
    found = findings_of(engine(SHARED).screen(request(f"+{BASE}"), recent), Reason.SHARED_NUMBER)
    assert bool(found) is fires
    if fires:
        assert "called by 3 different inmates in the last 1 h (limit 2)" in found[0].detail


HOURS = {"calling_hours": {"sessions": ["08:30-12:00", "14:00-17:00"], "timezone": "Asia/Jakarta"}}


@pytest.mark.parametrize("local, open_", [
    ("08:29", False), ("08:30", True), ("11:59", True), ("12:00", False), ("13:59", False),
    ("14:00", True), ("16:59", True), ("17:00", False), ("23:00", False),
])
def test_calling_hours_in_the_facility_time_zone(local, open_):
    hour, minute = map(int, local.split(":"))
    at = datetime(2026, 11, 30, (hour - 7) % 24, minute, tzinfo=UTC).timestamp()  # Jakarta is UTC+7
    screening = engine(HOURS, at=at).screen(request(f"+{BASE}"))
    found = findings_of(screening, Reason.OUTSIDE_HOURS)
    assert bool(found) is not open_
    if found:
        assert screening.decision is Decision.DENY
        assert found[0].detail.startswith(f"{local} (Asia/Jakarta) is outside the calling hours")


def test_a_kiosk_clock_far_off_cannot_open_the_hours():
    from datetime import timedelta

    closed = datetime(2026, 11, 30, 15, 0, tzinfo=UTC).timestamp()  # 22:00 in Jakarta
    claimed = datetime.fromtimestamp(closed, UTC) - timedelta(hours=12)  # "10:00"
    screening = engine(HOURS, at=closed).screen(request(f"+{BASE}", requested_at=claimed))
    assert findings_of(screening, Reason.OUTSIDE_HOURS)
    near = datetime.fromtimestamp(closed, UTC) - timedelta(minutes=2)
    assert engine(HOURS, at=closed).screen(request(f"+{BASE}", requested_at=near)).at == near.timestamp()


def test_privileged_calls_bypass_behaviour_and_hours():
    lists = make_snapshot(privileged=[f"+{BASE}"])
    recent = recent_with(*(Attempt(T0 - i, "A-1", BASE) for i in range(1, 50)))
    night = datetime(2026, 11, 30, 16, 0, tzinfo=UTC).timestamp()
    screening = engine({**VELOCITY, **HOURS}, at=night, lists=lists).screen(request(f"+{BASE}"), recent)
    assert screening.decision is Decision.ALLOW and not screening.record
    assert [f.reason for f in screening.findings] == [Reason.PRIVILEGED]


def test_rules_can_be_turned_off():
    policy = {"velocity": {"action": "off", "max_attempts": 1}}
    recent = recent_with(*(Attempt(T0 - i, "A-1", BASE) for i in range(1, 5)))
    assert not findings_of(engine(policy).screen(request(f"+{BASE}"), recent), Reason.VELOCITY)


def test_max_duration_by_number_type():
    policy = {"max_duration_seconds": 900, "max_duration_by_type": {"MOBILE": 300}}
    assert engine(policy).screen(request(f"+{BASE}")).max_duration_seconds == 300


def test_recent_calls_forget_what_is_past_the_horizon():
    recent = RecentCalls(100)
    recent.add(Attempt(0, "A-1", 1))
    recent.add(Attempt(50, "A-2", 2))
    recent.add(Attempt(150, "A-3", 1))
    assert len(recent) == 2
    assert recent.of_inmate("A-1", 0) == []
    assert recent.inmates_calling(1, 0) == {"A-3"}


def test_the_callers_of_a_number_are_those_of_its_attempts_still_in_the_window():
    # Brute force over every attempt: random inmates and numbers, times a
    # little out of order (kiosk clocks), a horizon that keeps forgetting.
    import random

    rng = random.Random(4)
    recent, attempts = RecentCalls(300), []
    for step in range(3000):
        attempts.append(Attempt(step + rng.uniform(-5, 5), f"A-{rng.randrange(12)}", rng.choice((0, 1, 2, 3))))
        recent.add(attempts[-1])
        if step % 50 == 0:
            for key in (1, 2, 3):
                for since in (step - 290, step - 100, step - 10, step + 10):
                    expected = {a.inmate for a in attempts if a.key == key and a.at >= since}
                    assert recent.inmates_calling(key, since) == expected, (step, key, since)
    assert len(recent) < 320
