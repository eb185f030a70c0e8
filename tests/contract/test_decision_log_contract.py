"""The decision-log contract: what every backend must do, one suite run on each.

Every test takes `log` (a new, empty decision log of the backend) and, where
two processes' view matters, `reopen` (another log on the same database, as
another process or replica would open it); `backend.stored()` is everything
the backend keeps on disk or in its database, as bytes.
"""

import dataclasses
import threading
import time

import pytest

from screening.adapters.metrics import MeteredDecisionLog, ScreeningMetrics
from screening.adapters.sqlite.decision_log import SqliteDecisionLog
from screening.domain.behaviour import Attempt
from screening.domain.model import Decision, Reason, ScreenRequest
from screening.domain.numbers import normalize
from screening.service.call_prints import CallIdConflict, call_print, differing
from screening.service.investigations import decision_query, search_decisions
from screening.service.ports import DecisionQuery, StoreError
from screening.service.retention import DecisionPruner
from screening.service.screener import CallScreener

from decision_calls import FAMILY, LAWYER, call, engine, log_call


# The backends the contract runs on: add one here and every test runs on it too.
class _Sqlite:
    shared = False  # one process owns the log: no other replica's attempts to see

    def __init__(self, request, tmp_path):
        self.path = tmp_path / "decisions.db"

    def open(self, replica):
        return SqliteDecisionLog(self.path)

    def stored(self) -> bytes:
        return b"".join(file.read_bytes() for file in self.path.parent.glob(self.path.name + "*"))


class _Postgres:
    shared = True  # replicas on one database see each other's attempts

    def __init__(self, request, tmp_path):
        self.url, self.tmp_path = request.getfixturevalue("postgres_url"), tmp_path

    def open(self, replica):
        from screening.adapters.postgres.decision_log import PostgresDecisionLog

        return PostgresDecisionLog(self.url, spool_path=self.tmp_path / replica / "decisions.spool", replica=replica)

    def stored(self) -> bytes:
        import psycopg

        with psycopg.connect(self.url) as conn:
            table = conn.execute("SELECT coalesce(string_agg(d::text, e'\\n'), '') FROM decisions d").fetchone()[0]
        return table.encode() + b"".join(file.read_bytes() for file in self.tmp_path.glob("*/decisions.spool*"))


BACKENDS = {"sqlite": (_Sqlite, ()), "postgres": (_Postgres, (pytest.mark.postgres,))}


@pytest.fixture(params=[pytest.param(name, marks=marks) for name, (_, marks) in sorted(BACKENDS.items())])
def backend(request, tmp_path):
    return BACKENDS[request.param][0](request, tmp_path)


@pytest.fixture
def reopen(backend):
    """Opens another log on the backend's database; replica names it, where that matters."""
    opened = []

    def open_log(replica="replica-1"):
        log = backend.open(replica)
        opened.append(log)
        return log

    yield open_log
    for log in opened:
        log.close()


@pytest.fixture
def log(reopen):
    return reopen()


def answer(call_id, at=None, decision=None, **fields):
    """An answer to `call_id`, made by the engine and changed as asked."""
    screening = engine().screen(call(call_id, **fields))
    return dataclasses.replace(screening, at=screening.at if at is None else at,
                               decision=decision or screening.decision)


def test_every_answer_is_logged_and_read_back_equal(log):
    screener = CallScreener.resume(engine(), log, 600)
    given = screener.screen(call("c-1"))
    assert log.find("LP-A", "c-1").screening == given
    assert log.find("LP-B", "c-1") is None


def test_a_retried_call_id_gets_the_same_answer_and_is_counted_once(log):
    screener = CallScreener.resume(engine(), log, 600)
    first = screener.screen(call("c-1"))
    for _ in range(10):
        assert screener.screen(call("c-1")) == first
    assert len(screener.recent) == 1
    assert [a.inmate for a in log.attempts_since(0)] == ["A-1"]


def conflict(screener, request):
    """The fields a refused retry names."""
    with pytest.raises(CallIdConflict) as refused:
        screener.screen(request)
    return refused.value.fields


def test_a_call_id_answers_only_the_same_call_again(log):
    screener = CallScreener.resume(engine(), log, 600)
    first = screener.screen(call("c-1"))
    same = [call("c-1", number="0812-3456-7890"), call("c-1", number="+62 812 3456 7890"),
            dataclasses.replace(call("c-1"), called_party_name=" ibu  SITI "), dataclasses.replace(call("c-1"), station_id="K-9")]
    assert all(screener.screen(request) == first for request in same)  # read as the engine reads them
    assert conflict(screener, call("c-1", number="0857-0000-0000")) == ("dialed_number",)
    assert conflict(screener, call("c-1", inmate="A-2")) == ("inmate_id",)
    assert conflict(screener, dataclasses.replace(call("c-1"), called_party_name="Pak Joko")) == ("called_party_name",)
    other = dataclasses.replace(call("c-1", number="112", inmate="A-9"), called_party_name="")
    assert conflict(screener, other) == ("inmate_id", "dialed_number", "called_party_name")
    assert screener.screen(dataclasses.replace(call("c-1"), facility_id="LP-B")) != first  # another facility's call
    assert log.count_before(time.time() + 60) == 2 and len(screener.recent) == 2  # nothing new for the refused


def test_a_privileged_retry_is_compared_without_its_number_or_name_being_kept(backend, log):
    screener = CallScreener.resume(engine(), log, 600)
    lawyer = dataclasses.replace(call("p-1", number=f"+{LAWYER}"), called_party_name="LBH Jakarta")
    first = screener.screen(lawyer)
    assert screener.screen(dataclasses.replace(lawyer, dialed_number="021-555-1234")) == log.find("LP-A", "p-1").screening
    with pytest.raises(CallIdConflict) as refused:
        screener.screen(call("p-1"))  # the family number, under the lawyer call's id
    assert refused.value.fields == ("dialed_number", "called_party_name")
    assert str(LAWYER) not in str(refused.value) and "LBH" not in str(refused.value)
    assert conflict(screener, dataclasses.replace(lawyer, called_party_name="Ibu Siti")) == ("called_party_name",)
    assert first.record is False
    log.close()
    assert str(LAWYER).encode() not in backend.stored() and b"LBH" not in backend.stored()


def test_a_call_that_lost_the_race_to_log_its_call_id_is_compared_too(reopen):
    """Two replicas (two logs on one database) screen one call_id at once,
    for two numbers: one is logged; each try of its number gets its answer,
    each of the other is refused, whichever path found the first answer (the
    log, the writer's queue, or the insert that lost)."""
    screeners = [CallScreener.resume(engine(), reopen(name), 600) for name in ("replica-1", "replica-2")]
    numbers = (f"+{FAMILY}", "+6285712345678")
    start, outcomes = threading.Barrier(16), [None] * 16

    def screen(n):
        start.wait()
        try:
            outcomes[n] = screeners[n % 2].screen(call("c-1", number=numbers[n // 8]))
        except CallIdConflict as error:
            outcomes[n] = error.fields

    threads = [threading.Thread(target=screen, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [winner] = {outcome.normalized_number for outcome in outcomes if not isinstance(outcome, tuple)}
    answers = [outcome for n, outcome in enumerate(outcomes) if numbers[n // 8] == winner]
    assert len(answers) == 8 and all(answer == answers[0] for answer in answers)
    assert [outcome for n, outcome in enumerate(outcomes) if numbers[n // 8] != winner] == [("dialed_number",)] * 8
    assert screeners[0]._log.count_before(time.time() + 60) == 1


def test_the_answer_logged_first_comes_back_with_its_calls_print(reopen):
    one, two = reopen("replica-1"), reopen("replica-2")
    assert one.call_key() == two.call_key() and len(one.call_key()) >= 32  # one key per deployment
    first, other = call("c-1"), call("c-1", number="0857-0000-0000")
    key = one.call_key()
    mine = call_print(key, first, normalize(first.dialed_number, "ID"))
    theirs = call_print(key, other, normalize(other.dialed_number, "ID"))
    assert one.append(first, answer("c-1"), mine).call == mine
    lost = two.append(other, answer("c-1", number="0857-0000-0000"), theirs)  # the insert that lost
    assert lost.call == mine and differing(lost.call, theirs) == ("dialed_number",)
    assert two.find("LP-A", "c-1").call == mine


def test_a_retried_append_returns_the_first_answer_and_records_it_once(log):
    first, retry = answer("c-1"), answer("c-1", at=time.time() + 5, decision=Decision.DENY)
    assert log_call(log, call("c-1"), first) is first
    logged = log_call(log, call("c-1"), retry)
    assert logged is not retry and logged == first
    assert log.find("LP-A", "c-1").screening == first
    assert log.count_before(time.time() + 60) == 1


def test_appends_from_many_threads_are_each_recorded(log):
    answers = {f"c-{n}": answer(f"c-{n}") for n in range(200)}
    logged = {}

    def append(names):
        for name in names:
            logged[name] = log_call(log, call(name), answers[name])

    names = sorted(answers)
    threads = [threading.Thread(target=append, args=(names[i::16],)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(logged[name] is answers[name] for name in names)
    assert all(log.find("LP-A", name).screening == answers[name] for name in names)
    assert log.count_before(time.time() + 60) == 200


def test_two_replicas_retrying_one_call_at_once_both_get_the_first_answer(reopen):
    logs = [reopen("replica-1"), reopen("replica-2")]
    tries = [answer("c-1", at=1000.0 + n, decision=(Decision.ALLOW, Decision.DENY)[n % 2]) for n in range(16)]
    start, logged = threading.Barrier(len(tries)), [None] * len(tries)

    def retry(n):
        start.wait()
        logged[n] = log_call(logs[n % 2], call("c-1"), tries[n])

    threads = [threading.Thread(target=retry, args=(n,)) for n in range(len(tries))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [first] = [given for n, given in enumerate(logged) if given is tries[n]]  # exactly one was recorded
    assert all(given == first for given in logged)
    assert logs[0].find("LP-A", "c-1").screening == logs[1].find("LP-A", "c-1").screening == first
    assert logs[0].count_before(2000.0) == 1


def test_each_replica_sees_the_others_attempts_once_and_never_its_own(backend, reopen):
    one, two = reopen("replica-1"), reopen("replica-2")
    for log in (one, two):
        assert list(log.attempts_since(0)) == []
    log_call(one, call("a-1"), answer("a-1", at=1000.0))
    log_call(one, call("a-2", inmate="A-2"), answer("a-2", at=1001.0))
    log_call(two, call("b-1", inmate="A-3"), answer("b-1", at=999.0))
    if not backend.shared:
        assert one.attempts_by_others() == two.attempts_by_others() == []
        return
    assert two.attempts_by_others() == [Attempt(1000.0, "A-1", FAMILY), Attempt(1001.0, "A-2", FAMILY)]
    assert one.attempts_by_others() == [Attempt(999.0, "A-3", FAMILY)]
    assert one.attempts_by_others() == two.attempts_by_others() == []
    log_call(one, call("a-3"), answer("a-3", at=1002.0))
    assert one.attempts_by_others() == []
    assert two.attempts_by_others() == [Attempt(1002.0, "A-1", FAMILY)]


def test_the_tail_starts_where_attempts_since_stopped(backend, reopen):
    one, two = reopen("replica-1"), reopen("replica-2")
    log_call(one, call("a-1"), answer("a-1", at=1000.0))
    assert [a.at for a in two.attempts_since(0)] == [1000.0]
    log_call(one, call("a-2"), answer("a-2", at=1001.0))
    expected = [Attempt(1001.0, "A-1", FAMILY)] if backend.shared else []
    assert two.attempts_by_others() == expected


def test_restart_keeps_the_window(reopen):
    log = reopen()
    screener = CallScreener.resume(engine(), log, 600)
    for i in range(3):
        assert screener.screen(call(f"c-{i}")).decision is Decision.ALLOW
    log.close()
    screener = CallScreener.resume(engine(), reopen(), 600)  # a new process, the same database
    assert len(screener.recent) == 3
    given = screener.screen(call("c-3"))
    assert given.decision is Decision.REVIEW
    assert given.findings[-1].reason is Reason.VELOCITY


def test_the_window_does_not_reach_past_its_horizon(log):
    log_call(log, call("old"), answer("old", at=time.time() - 650))
    assert len(CallScreener.resume(engine(), log, 600).recent) == 0
    assert len(CallScreener.resume(engine(), log, 700).recent) == 1


def test_privileged_calls_are_logged_without_their_number(backend, log):
    screener = CallScreener.resume(engine(), log, 600)
    given = screener.screen(call("p-1", number=f"+{LAWYER}"))
    assert given.normalized_number == f"+{LAWYER}" and given.record is False
    logged = log.find("LP-A", "p-1").screening
    assert logged.decision is Decision.ALLOW and logged.record is False
    assert logged.normalized_number == ""
    assert str(LAWYER) not in repr(logged)
    assert [a.key for a in log.attempts_since(0)] == [0]
    log.close()
    assert b"p-1" in backend.stored() and str(LAWYER).encode() not in backend.stored()


def test_attempts_come_back_in_time_order(log):
    for n, at in enumerate((1005.0, 1001.0, 1003.0, 1002.0, 1004.0)):
        log_call(log, call(f"c-{n}"), answer(f"c-{n}", at=at))
    attempts = list(log.attempts_since(1002.0))
    assert [a.at for a in attempts] == [1002.0, 1003.0, 1004.0, 1005.0]
    assert all(isinstance(a, Attempt) and a.key == FAMILY for a in attempts)


def aged(log, count, at, start=0):
    """`count` logged calls decided at Unix time `at`."""
    return [log_call(log, call(f"c-{n}"), answer(f"c-{n}", at=at)) for n in range(start, start + count)]


def test_prune_deletes_only_the_older_decisions_a_batch_at_a_time(log):
    now = time.time()
    aged(log, 25, now - 100 * 86400)
    aged(log, 5, now - 10, start=25)
    assert log.count_before(now - 30 * 86400) == 25
    batches = []
    assert log.prune(now - 30 * 86400, batches.append, batch=10) == 25
    assert [len(b) for b in batches] == [10, 10, 5]
    assert sorted(d["call_id"] for b in batches for d in b) == sorted(f"c-{n}" for n in range(25))
    assert log.count_before(now) == 5 and log.find("LP-A", "c-3") is None and log.find("LP-A", "c-27")
    assert log.prune(now - 30 * 86400) == 0


def test_an_archived_decision_holds_every_column(log):
    [given] = aged(log, 1, 1000.0)
    batches = []
    log.prune(2000.0, batches.append)
    [[decision]] = batches
    assert decision["call_id"] == "c-0" and decision["inmate_id"] == "A-1" and decision["station_id"] == "K-7"
    assert decision["called_party_name"] == "Ibu Siti" and decision["at"] == 1000.0
    assert decision["number_key"] == FAMILY and decision["normalized_number"] == f"+{FAMILY}"
    assert decision["decision"] == given.decision.name and decision["record"] is True
    assert decision["findings"][0] == {"reason": given.findings[0].reason.name,
                                       "effect": given.findings[0].effect.name,
                                       "detail": given.findings[0].detail,
                                       "entry_id": given.findings[0].entry_id, "score": given.findings[0].score}


def test_a_failing_archive_deletes_nothing_it_did_not_keep(log):
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


def test_the_pruner_counts_what_it_deleted_and_survives_a_failure(log, caplog):
    pruned = []
    aged(log, 3, 1000.0)
    aged(log, 2, 100 * 86400.0, start=3)
    pruner = DecisionPruner(log, 30, on_pruned=pruned.append, clock=lambda: 100 * 86400.0 + 60)
    assert pruner.prune() == 3 and pruned == [3]
    assert pruner.prune() == 0 and pruned == [3]
    log.close()
    assert pruner.prune() == 0 and pruned == [3]  # a closed log: logged, retried next hour
    assert "pruning the decision log failed" in caplog.text


def test_the_metered_log_times_each_write_and_only_writes(log):
    metrics = ScreeningMetrics()
    screener = CallScreener.resume(engine(), MeteredDecisionLog(log, metrics), 600)
    for n in range(3):
        screener.screen(call(f"c-{n}"))
    screener.screen(call("c-0"))  # a retry: found, not written again
    count = metrics.registry.get_sample_value("screening_decision_log_write_seconds_count")
    seconds = metrics.registry.get_sample_value("screening_decision_log_write_seconds_sum")
    assert count == 3 and 0 < seconds < 3


def test_the_metered_log_passes_the_other_replicas_and_health_through(backend, reopen):
    one, inner = reopen("replica-1"), reopen("replica-2")
    two = MeteredDecisionLog(inner, ScreeningMetrics())
    list(two.attempts_since(0))
    log_call(one, call("a-1"), answer("a-1", at=1000.0))
    assert two.attempts_by_others() == ([Attempt(1000.0, "A-1", FAMILY)] if backend.shared else [])
    assert two.health().last_reachable == inner.health().last_reachable


def test_a_healthy_log_says_so(log):
    health = log.health()
    assert health.reachable and not health.failing_closed and health.spooled == 0


def seeded(log):
    """Six decisions with known answers: two inmates, two facilities, kiosks, numbers."""
    calls = [("s-1", "LP-A", "K-1", "A-1", f"+{FAMILY}", "Ibu Siti"),
             ("s-2", "LP-A", "K-1", "A-1", "+6285712345678", "Pak Joko"),
             ("s-3", "LP-B", "K-9", "B-7", "+6285712345679", "Pak Joko"),
             ("s-4", "LP-B", "K-9", "B-7", f"+{LAWYER}", "LBH Jakarta"),
             ("s-5", "LP-A", "K-2", "A-1", "+6285712345678", ""),
             ("s-6", "LP-B", "K-9", "B-7", "0857-1234-5678", "")]
    made = engine()
    for n, (call_id, facility, station, inmate, number, name) in enumerate(calls):
        request = ScreenRequest(call_id, facility, inmate, number, station_id=station, called_party_name=name)
        screening = dataclasses.replace(made.screen(request), at=1_800_000_000.0 + n * 60)
        log_call(log, request, screening)


def found(log, region="ID", **filters):
    return [d["call_id"] for d in search_decisions(log, decision_query(region, **filters))]


def test_search_filters_combine_and_answer_from_the_log(log):
    seeded(log)
    assert found(log) == ["s-1", "s-2", "s-3", "s-4", "s-5", "s-6"]
    assert found(log, number="0857-1234-5678") == ["s-2", "s-5", "s-6"]  # any form, normalized first
    assert found(log, number="+6285712345*") == ["s-2", "s-3", "s-5", "s-6"]  # a pattern
    assert found(log, number="+62857123456??") == ["s-2", "s-3", "s-5", "s-6"]
    assert found(log, inmate="A-1") == ["s-1", "s-2", "s-5"]
    assert found(log, facility="LP-B", station="K-9") == ["s-3", "s-4", "s-6"]
    assert found(log, decision="deny", facility="LP-A") == ["s-2", "s-5"]
    assert found(log, reason="not_on_allowlist", inmate="B-7") == ["s-3", "s-6"]
    assert found(log, reason="allowlisted") == ["s-1"]
    assert found(log, since=1_800_000_060.0, until=1_800_000_180.0) == ["s-2", "s-3"]
    assert found(log, number="+6285712345678", inmate="A-1", since=1_800_000_100.0) == ["s-5"]
    assert found(log, inmate="nobody") == []


def test_search_by_entry_finds_every_attempt_that_hit_it(log):
    seeded(log)
    entries = {f["entry_id"] for d in log.search(DecisionQuery()) for f in d["findings"] if f["entry_id"]}
    allowlisted = next(e for e in entries if e.startswith("allowlist:"))
    assert found(log, entry=allowlisted) == ["s-1"]
    assert found(log, entry="blocklist:999") == []


def test_a_privileged_call_shows_neither_number_nor_name(log):
    seeded(log)
    [lawyer] = search_decisions(log, DecisionQuery(inmate="B-7", decision="ALLOW"))
    assert lawyer["call_id"] == "s-4" and not lawyer["record"]
    assert lawyer["normalized_number"] == lawyer["dialed_number"] == lawyer["called_party_name"] == ""
    assert found(log, number=f"+{LAWYER}") == []  # not even findable by its number


def test_search_refuses_what_it_cannot_read(log):
    for filters, message in (({"number": "+62*8"}, "--number"), ({"decision": "maybe"}, "--decision"),
                             ({"reason": "hunch"}, "--reason")):
        with pytest.raises(StoreError, match=message):
            found(log, **filters)
