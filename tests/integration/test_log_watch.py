"""The watch over a shared decision log: other replicas' attempts join the
windows, and each change of the log's state is reported and logged once."""

import logging

from screening.adapters.metrics import ScreeningMetrics
from screening.adapters.sqlite.decision_log import SqliteDecisionLog
from screening.domain.behaviour import Attempt
from screening.service.log_watch import LogWatch
from screening.service.ports import LogHealth
from screening.service.screener import CallScreener

from decision_calls import FAMILY, engine


class ScriptedLog(SqliteDecisionLog):
    """The real SQLite log, with the health and the other replicas' attempts a test sets."""

    states: list
    others: list
    tail_error: Exception | None = None

    def health(self):
        return self.states.pop(0)

    def attempts_by_others(self):
        if self.tail_error is not None:
            raise self.tail_error
        found, self.others = self.others, []
        return found


def test_each_change_of_state_is_logged_once_and_reported_every_tick(tmp_path, caplog):
    away = LogHealth(reachable=False, last_reachable=1.0, spooled=5, spool_bytes=900, spool_oldest=2.0)
    full = LogHealth(reachable=False, last_reachable=1.0, spooled=9, spool_bytes=2000, spool_oldest=2.0,
                     failing_closed=True)
    back = LogHealth(reachable=True, last_reachable=9.0, spooled=3)
    with ScriptedLog(tmp_path / "d.db") as log:
        log.states, log.others = [LogHealth(), away, away, full, full, back, LogHealth()], []
        reported = []
        watch = LogWatch(CallScreener.resume(engine(), log, 600), log, on_health=reported.append)
        with caplog.at_level(logging.INFO, logger="screening.service.log_watch"):
            for _ in range(7):
                watch.tick()
    assert reported == [LogHealth(), away, away, full, full, back, LogHealth()]
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 5, messages
    assert "unreachable" in messages[0] and "refusing calls" in messages[1]
    assert "within its bound" in messages[2] and "reachable again; 3 decisions still spooled" in messages[3]
    assert "replayed and empty" in messages[4]


def test_other_replicas_attempts_join_the_windows_and_a_failing_tail_is_logged_once(tmp_path, caplog):
    with ScriptedLog(tmp_path / "d.db") as log:
        log.states, log.others = [LogHealth()] * 4, [Attempt(1e12, "A-9", FAMILY)]
        screener = CallScreener.resume(engine(), log, 600)
        watch = LogWatch(screener, log)
        watch.tick()
        assert screener.recent.inmates_calling(FAMILY, 0) == {"A-9"}
        log.tail_error = OSError("server closed the connection")
        with caplog.at_level(logging.INFO, logger="screening.service.log_watch"):
            watch.tick()
            watch.tick()
            log.tail_error = None
            watch.tick()
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO"]


def test_the_metrics_show_the_spool_and_how_long_the_database_has_been_away():
    metrics = ScreeningMetrics()
    metrics.log_health(LogHealth(reachable=False, last_reachable=0.0, spooled=7, spool_bytes=1234,
                                 spool_oldest=0.0, failing_closed=True))
    value = metrics.registry.get_sample_value
    assert value("screening_decision_log_reachable") == 0 and value("screening_decision_log_failing_closed") == 1
    assert value("screening_decision_spool_decisions") == 7 and value("screening_decision_spool_bytes") == 1234
    assert value("screening_decision_log_unreachable_seconds") > 1e9  # since 1970
    metrics.log_health(LogHealth(last_reachable=5.0))
    assert value("screening_decision_log_unreachable_seconds") == 0 and value("screening_decision_spool_oldest_seconds") == 0
