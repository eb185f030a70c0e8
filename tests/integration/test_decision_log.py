"""The decision log on a real SQLite file, and screening exactly once."""

import dataclasses
import os
import stat
import time

import pytest

from screening.domain.behaviour import Attempt
from screening.domain.engine import ScreeningEngine
from screening.domain.lists import Allowlist, ListSnapshot, NumberTable
from screening.domain.model import Decision, PrivilegedKind, Reason, ScreenRequest
from screening.domain.policy import build_policy_set
from screening.service.screener import CallScreener
from screening.adapters.sqlite.decision_log import SqliteDecisionLog

FAMILY, LAWYER = 6281234567890, 62215551234
POLICY = {"velocity": {"max_attempts": 3, "window_seconds": 600}}


@pytest.fixture
def path(tmp_path):
    return tmp_path / "decisions.db"


def engine():
    lists = ListSnapshot(4, Allowlist([("A-1", FAMILY, 1, "")]), NumberTable([(LAWYER, 2, PrivilegedKind.ATTORNEY)]))
    return ScreeningEngine(build_policy_set(POLICY), lists)


def call(call_id, number=f"+{FAMILY}", inmate="A-1"):
    return ScreenRequest(call_id, "LP-A", inmate, number, station_id="K-7", called_party_name="Ibu Siti")


def test_every_answer_is_logged_and_read_back_equal(path):
    with SqliteDecisionLog(path) as log:
        screener = CallScreener.resume(engine(), log, 600)
        answer = screener.screen(call("c-1"))
        assert log.find("LP-A", "c-1") == answer
        assert log.find("LP-B", "c-1") is None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_retried_call_id_gets_the_same_answer_and_is_counted_once(path):
    with SqliteDecisionLog(path) as log:
        screener = CallScreener.resume(engine(), log, 600)
        first = screener.screen(call("c-1"))
        for _ in range(10):
            assert screener.screen(call("c-1")) == first
        assert len(screener.recent) == 1
        assert [a.inmate for a in log.attempts_since(0)] == ["A-1"]


def test_a_retry_with_another_number_still_gets_the_first_answer(path):
    with SqliteDecisionLog(path) as log:
        screener = CallScreener.resume(engine(), log, 600)
        first = screener.screen(call("c-1"))
        assert screener.screen(call("c-1", number="0857-0000-0000")) == first


def test_restart_keeps_the_window(path):
    with SqliteDecisionLog(path) as log:
        screener = CallScreener.resume(engine(), log, 600)
        for i in range(3):
            assert screener.screen(call(f"c-{i}")).decision is Decision.ALLOW
    with SqliteDecisionLog(path) as log:  # a new process, the same file
        screener = CallScreener.resume(engine(), log, 600)
        assert len(screener.recent) == 3
        answer = screener.screen(call("c-3"))
        assert answer.decision is Decision.REVIEW
        assert answer.findings[-1].reason is Reason.VELOCITY


def test_the_window_does_not_reach_past_its_horizon(path):
    with SqliteDecisionLog(path) as log:
        old = call("old")
        log.append(old, dataclasses.replace(engine().screen(old), at=time.time() - 650))
        assert len(CallScreener.resume(engine(), log, 600).recent) == 0
        assert len(CallScreener.resume(engine(), log, 700).recent) == 1


def test_privileged_calls_are_logged_without_their_number(path):
    with SqliteDecisionLog(path) as log:
        screener = CallScreener.resume(engine(), log, 600)
        answer = screener.screen(call("p-1", number=f"+{LAWYER}"))
        assert answer.normalized_number == f"+{LAWYER}" and answer.record is False
        logged = log.find("LP-A", "p-1")
        assert logged.decision is Decision.ALLOW and logged.record is False
        assert logged.normalized_number == ""
        assert str(LAWYER) not in repr(logged)
        assert [a.key for a in log.attempts_since(0)] == [0]
    for file in path.parent.glob(path.name + "*"):
        assert str(LAWYER).encode() not in file.read_bytes()


def test_attempts_come_back_in_time_order(path):
    with SqliteDecisionLog(path) as log:
        screener = CallScreener.resume(engine(), log, 600)
        for i in range(5):
            screener.screen(call(f"c-{i}"))
        attempts = list(log.attempts_since(0))
        assert attempts == sorted(attempts, key=lambda a: a.at)
        assert all(isinstance(a, Attempt) and a.key == FAMILY for a in attempts)


def aged(log, count, at, start=0):
    """`count` logged calls decided at Unix time `at`."""
    answers = []
    for n in range(start, start + count):
        screening = dataclasses.replace(engine().screen(call(f"c-{n}")), at=at)
        answers.append(log.append(call(f"c-{n}"), screening))
    return answers


def test_prune_deletes_only_the_older_decisions_a_batch_at_a_time(path):
    now = time.time()
    with SqliteDecisionLog(path) as log:
        aged(log, 25, now - 100 * 86400)
        aged(log, 5, now - 10, start=25)
        assert log.count_before(now - 30 * 86400) == 25
        batches = []
        assert log.prune(now - 30 * 86400, batches.append, batch=10) == 25
        assert [len(b) for b in batches] == [10, 10, 5]
        assert sorted(d["call_id"] for b in batches for d in b) == sorted(f"c-{n}" for n in range(25))
        assert log.count_before(now) == 5 and log.find("LP-A", "c-3") is None and log.find("LP-A", "c-27")
        assert log.prune(now - 30 * 86400) == 0


def test_an_archived_decision_holds_every_column(path):
    with SqliteDecisionLog(path) as log:
        [answer] = aged(log, 1, 1000.0)
        batches = []
        log.prune(2000.0, batches.append)
    [[decision]] = batches
    assert decision["call_id"] == "c-0" and decision["inmate_id"] == "A-1" and decision["station_id"] == "K-7"
    assert decision["called_party_name"] == "Ibu Siti" and decision["at"] == 1000.0
    assert decision["decision"] == answer.decision.name and decision["record"] is True
    assert decision["findings"][0] == {"reason": answer.findings[0].reason.name,
                                       "effect": answer.findings[0].effect.name,
                                       "detail": answer.findings[0].detail,
                                       "entry_id": answer.findings[0].entry_id, "score": answer.findings[0].score}


def test_a_failing_archive_deletes_nothing_it_did_not_keep(path):
    with SqliteDecisionLog(path) as log:
        aged(log, 30, 1000.0)
        kept = []

        def archive(batch):
            if kept:
                raise OSError("disk full")
            kept.extend(batch)

        with pytest.raises(OSError, match="disk full"):
            log.prune(2000.0, archive, batch=10)
        assert len(kept) == 10 and log.count_before(2000.0) == 20
        assert all(log.find("LP-A", f"c-{n}") is None for n in range(10))
        assert all(log.find("LP-A", f"c-{n}") is not None for n in range(10, 30))


def test_the_pruner_counts_what_it_deleted_and_survives_a_failure(path, caplog):
    from screening.service.retention import DecisionPruner

    pruned = []
    log = SqliteDecisionLog(path)
    aged(log, 3, 1000.0)
    aged(log, 2, 100 * 86400.0, start=3)
    pruner = DecisionPruner(log, 30, on_pruned=pruned.append, clock=lambda: 100 * 86400.0 + 60)
    assert pruner.prune() == 3 and pruned == [3]
    assert pruner.prune() == 0 and pruned == [3]
    log.close()
    assert pruner.prune() == 0 and pruned == [3]  # a closed log: logged, retried next hour
    assert "pruning the decision log failed" in caplog.text


def test_the_metered_log_times_each_write_and_only_writes(path):
    from screening.adapters.metrics import MeteredDecisionLog, ScreeningMetrics

    metrics = ScreeningMetrics()
    with SqliteDecisionLog(path) as log:
        screener = CallScreener.resume(engine(), MeteredDecisionLog(log, metrics), 600)
        for n in range(3):
            screener.screen(call(f"c-{n}"))
        screener.screen(call("c-0"))  # a retry: found, not written again
    count = metrics.registry.get_sample_value("screening_decision_log_write_seconds_count")
    seconds = metrics.registry.get_sample_value("screening_decision_log_write_seconds_sum")
    assert count == 3 and 0 < seconds < 3
