"""Screening exactly once with writes outside the screener's lock: calls in
flight together reach the log together (so a backend can commit them as
one), and an attempt that was not recorded leaves the behavioural windows."""

import threading
import time

import pytest

from screening.adapters.sqlite.decision_log import SqliteDecisionLog
from screening.domain.behaviour import Attempt, RecentCalls
from screening.domain.model import Reason
from screening.service.call_prints import CallIdConflict
from screening.service.ports import LogUnavailable
from screening.service.screener import CallScreener

from decision_calls import FAMILY, call, engine


class GatedLog(SqliteDecisionLog):
    """The real SQLite log, whose appends wait at a gate the test opens."""

    def __init__(self, path, gate: threading.Barrier | None = None, fail: bool = False):
        super().__init__(path)
        self.gate, self.fail = gate, fail

    def append(self, request, screening, call):
        if self.gate is not None:
            self.gate.wait(timeout=10)
        if self.fail:
            raise LogUnavailable("the database is away and the spool is full")
        return super().append(request, screening, call)


class BlindLog(SqliteDecisionLog):
    """The real SQLite log, whose find misses: a replica's view in the moment
    before another replica's write of the same call commits."""

    def find(self, facility_id, call_id):
        return None


def test_a_call_that_loses_the_race_for_its_call_id_is_compared_with_the_winner(tmp_path):
    with SqliteDecisionLog(tmp_path / "d.db") as log, BlindLog(tmp_path / "d.db") as blind:
        first = CallScreener.resume(engine(), log, 600).screen(call("c-1"))
        fed = []
        late = CallScreener(engine(), blind, RecentCalls(600), on_decided=lambda *decided: fed.append(decided))
        assert late.screen(call("c-1", number="0812 3456 7890")) == first  # the same call: its answer
        with pytest.raises(CallIdConflict) as refused:
            late.screen(call("c-1", number="0857-0000-0000"))
        assert refused.value.fields == ("dialed_number",) and "0857" not in str(refused.value)
        assert len(late.recent) == 0 and fed == [] and log.count_before(time.time() + 60) == 1


def test_calls_in_flight_reach_the_log_together(tmp_path):
    # Every append waits until four are waiting: with the write under the
    # screener's lock, only one would ever get there and the barrier breaks.
    calls = 4
    with GatedLog(tmp_path / "d.db", threading.Barrier(calls)) as log:
        screener = CallScreener.resume(engine(), log, 600)
        answers, errors = [], []

        def place(i):
            try:
                answers.append(screener.screen(call(f"c-{i}", inmate=f"A-{i}")))
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=place, args=(i,)) for i in range(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        assert errors == [] and len(answers) == calls
        assert len(list(log.attempts_since(0))) == calls


def test_an_attempt_whose_write_failed_leaves_the_windows(tmp_path):
    with GatedLog(tmp_path / "d.db", fail=True) as log:
        screener = CallScreener.resume(engine(), log, 600)
        for i in range(5):
            with pytest.raises(LogUnavailable):
                screener.screen(call(f"c-{i}"))
        assert len(screener.recent) == 0
        log.fail = False
        # Three recorded attempts, not eight: the velocity rule (3 in 600 s)
        # has not fired on the failed ones.
        answers = [screener.screen(call(f"d-{i}")) for i in range(3)]
        assert all(Reason.VELOCITY not in {f.reason for f in a.findings} for a in answers)
        assert len(screener.recent) == 3


def test_a_call_answered_first_elsewhere_is_counted_once(tmp_path):
    path = tmp_path / "d.db"
    with SqliteDecisionLog(path) as other, SqliteDecisionLog(path) as log:
        first = CallScreener.resume(engine(), other, 600).screen(call("c-1"))
        published = []
        screener = CallScreener(engine(), log, RecentCalls(600), on_decided=lambda *decided: published.append(1))
        screener.resume_windows()
        assert len(screener.recent) == 1
        # The screener's find() misses, as when the first answer was not yet
        # visible: the log's ON CONFLICT hands back the first answer.
        real_find, misses = log.find, [None]
        log.find = lambda facility, call_id: misses.pop() if misses else real_find(facility, call_id)
        assert screener.screen(call("c-1")) == first
        assert len(screener.recent) == 1
        assert published == []  # the answer given is the other's: its feed had it


def test_discard_takes_back_one_attempt_and_keeps_the_callers_index():
    recent = RecentCalls(600)
    kept = Attempt(100.0, "A-1", FAMILY)
    recent.add(kept)
    taken = Attempt(101.0, "A-1", FAMILY)
    recent.add(taken)
    recent.add(Attempt(102.0, "A-2", FAMILY))
    recent.discard(taken)
    assert recent.of_inmate("A-1", 0) == [kept]
    assert recent.inmates_calling(FAMILY, 100.5) == {"A-2"}
    assert recent.inmates_calling(FAMILY, 0) == {"A-1", "A-2"}
    recent.discard(kept)
    assert recent.of_inmate("A-1", 0) == [] and len(recent) == 1
    recent.discard(kept)  # twice is nothing
    assert len(recent) == 1


def test_other_replicas_attempts_join_the_windows(tmp_path):
    class Replica(SqliteDecisionLog):
        others: list = []

        def attempts_by_others(self):
            found, self.others = self.others, []
            return found

    with Replica(tmp_path / "d.db") as log:
        screener = CallScreener.resume(engine(), log, 600)
        log.others = [Attempt(1e12, "A-1", FAMILY), Attempt(1e12, "A-1", FAMILY)]
        assert screener.take_others() == 2
        assert screener.take_others() == 0
        assert len(screener.recent.of_inmate("A-1", 0)) == 2


def test_the_feed_gets_each_durable_decision_once_and_never_an_unrecorded_one(tmp_path):
    from screening.service.feed import CursorOutOfRange, DecisionFeed

    feed = DecisionFeed(first_sequence=1)
    console = feed.subscribe()
    with GatedLog(tmp_path / "d.db") as log:
        screener = CallScreener(engine(), log, RecentCalls(600), on_decided=feed.publish)
        first = screener.screen(call("c-1"))
        assert screener.screen(call("c-1")) == first  # a retry: the earlier answer, not published again
        log.fail = True
        with pytest.raises(LogUnavailable):
            screener.screen(call("c-2"))  # refused, not recorded: not published
        log.fail = False
        screener.screen(call("c-3"))
    assert [(e.sequence, e.request.call_id) for e in (next(console), next(console))] == [(1, "c-1"), (2, "c-3")]
    with pytest.raises(CursorOutOfRange, match="past the newest event, 2"):
        feed.subscribe(after_sequence=3)  # two events, no more


def test_a_failing_feed_never_fails_the_call(tmp_path):
    def broken(request, screening):
        raise RuntimeError("console hub bug")

    with SqliteDecisionLog(tmp_path / "d.db") as log:
        screener = CallScreener(engine(), log, RecentCalls(600), on_decided=broken)
        assert screener.screen(call("c-1")).call_id == "c-1"
        assert log.find("LP-A", "c-1") is not None

