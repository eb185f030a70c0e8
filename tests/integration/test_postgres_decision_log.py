"""The decision log on a real PostgreSQL: group commit, the local spool while
the database is away, and the tail of the other replicas' calls. What every
backend does is in tests/contract/test_decision_log_contract.py."""

import json
import logging
import os
import stat
import threading
import time

import psycopg
import pytest

from screening.adapters.decision_rows import to_row
from screening.adapters.postgres import group_commit
from screening.adapters.postgres.decision_log import PostgresDecisionLog
from screening.adapters.postgres.decision_sql import insert
from screening.domain.behaviour import Attempt
from screening.domain.model import Decision, Finding, NumberType, Reason, ScreenRequest, Screening
from screening.domain.numbers import normalize
from screening.service.call_prints import call_print, differing
from screening.service.ports import LogUnavailable, StoreError

from decision_calls import log_call as append_call

pytestmark = pytest.mark.postgres

FAMILY, LAWYER = 6281234567890, 62215551234


def call(call_id, inmate="A-1", number=f"+{FAMILY}"):
    return ScreenRequest(call_id, "LP-A", inmate, number, station_id="K-7")


def answer(call_id, at=None, number=f"+{FAMILY}", record=True):
    return Screening(call_id, Decision.ALLOW, (Finding(Reason.ALLOWLISTED, f"{number} is approved", Decision.ALLOW),),
                     number, NumberType.MOBILE, "ID", record, 900, 7, time.time() if at is None else at)


def log_call(log, call_id, **fields):
    """Append a call; returns (what was passed, what came back)."""
    given = answer(call_id, **{k: v for k, v in fields.items() if k in ("at", "number", "record")})
    return given, append_call(log, call(call_id, **{k: v for k, v in fields.items() if k in ("inmate", "number")}), given)


def stored_calls(url):
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute("SELECT call_id FROM decisions ORDER BY id")]


def wait_for(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def open_log(tmp_path):
    opened = []

    def open_one(url, replica="replica-1", **options):
        options.setdefault("spool_path", tmp_path / replica / "decisions.spool")
        log = PostgresDecisionLog(url, replica=replica, **options)
        opened.append(log)
        return log

    yield open_one
    for log in opened:
        log.close()


def append_at_once(log, names):
    """Every name appended by a thread of its own, all released together."""
    start, logged = threading.Barrier(len(names)), {}

    def append(name):
        start.wait()
        logged[name] = append_call(log, call(name), answer(name))

    threads = [threading.Thread(target=append, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return logged


def test_concurrent_appends_share_transactions(postgres_url, open_log):
    log = open_log(postgres_url)
    before = log.commits
    rounds, threads = 8, 32
    for n in range(rounds):
        append_at_once(log, [f"c-{n}-{t}" for t in range(threads)])
    grouped = log.commits - before
    with psycopg.connect(postgres_url) as conn:
        # The database's own count: the transactions that inserted the rows.
        transactions = conn.execute("SELECT count(DISTINCT xmin::text) FROM decisions").fetchone()[0]
    assert len(stored_calls(postgres_url)) == rounds * threads
    assert transactions == grouped
    assert grouped <= rounds * threads / 4, f"{rounds * threads} decisions took {grouped} transactions"


def test_without_grouping_each_decision_is_a_transaction(postgres_url, open_log):
    log = open_log(postgres_url, max_batch=1)
    append_at_once(log, [f"c-{t}" for t in range(32)])
    assert log.commits == 32


def test_two_threads_retrying_one_call_in_one_log_get_one_answer(postgres_url, open_log):
    log = open_log(postgres_url)
    tries = [answer("c-1", at=1000.0 + n) for n in range(8)]
    start, logged = threading.Barrier(len(tries)), [None] * len(tries)

    def retry(n):
        start.wait()
        logged[n] = append_call(log, call("c-1"), tries[n])

    threads = [threading.Thread(target=retry, args=(n,)) for n in range(len(tries))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [first] = [given for n, given in enumerate(logged) if given is tries[n]]
    assert all(given == first for given in logged) and stored_calls(postgres_url) == ["c-1"]


def test_while_the_database_is_away_decisions_are_spooled_then_replayed_in_order(private_postgres, open_log,
                                                                                 tmp_path):
    log = open_log(private_postgres.url)
    log_call(log, "before")
    private_postgres.stop()
    spooled = [log_call(log, f"away-{n}") for n in range(5)]
    assert all(returned is given for given, returned in spooled)
    health = log.health()
    assert not health.reachable and health.spooled == 5 and health.spool_bytes > 0
    assert health.spool_oldest is not None and not health.failing_closed
    spool = tmp_path / "replica-1" / "decisions.spool"
    assert stat.S_IMODE(spool.stat().st_mode) == 0o600 and stat.S_IMODE(spool.parent.stat().st_mode) == 0o700
    assert [json.loads(line)["row"][1] for line in spool.read_text().splitlines()] == [f"away-{n}" for n in range(5)]
    assert log.find("LP-A", "away-3").screening == spooled[3][0]  # answered from the spool
    retried = append_call(log, call("away-3"), answer("away-3"))
    assert retried is not spooled[3][0] and retried == spooled[3][0]
    other = call("away-3", number="+6285712345678")  # another call, under a spooled call's id
    theirs = call_print(log.call_key(), other, normalize(other.dialed_number, "ID"))
    for earlier in (log.find("LP-A", "away-3"), log.append(other, answer("away-3"), theirs)):
        assert earlier.screening == spooled[3][0] and differing(earlier.call, theirs) == ("dialed_number",)

    private_postgres.start()
    after = log_call(log, "after")  # queued behind the spool, and kept in order
    wait_for(lambda: log.health().spooled == 0)
    assert after[1] is after[0]
    assert stored_calls(private_postgres.url) == ["before", *(f"away-{n}" for n in range(5)), "after"]
    health = log.health()
    assert health.reachable and health.last_reachable > time.time() - 10 and not spool.exists()
    assert log.replay_conflicts == 0
    assert log.find("LP-A", "before") is not None and log.find("LP-A", "away-0").screening == spooled[0][0]


def test_a_retry_of_a_call_answered_before_the_outage_is_answered_again_and_counted(private_postgres, open_log,
                                                                                      caplog):
    log = open_log(private_postgres.url)
    first, _ = log_call(log, "c-1", at=1000.0)
    log_call(log, "c-2", at=1000.0)
    private_postgres.stop()
    assert log.find("LP-A", "c-1") is None  # the database that has it is away
    again, returned = log_call(log, "c-1", at=1001.0)
    assert returned is again  # answered from the spool: durable here, checked against the database later
    log_call(log, "c-2", at=1001.0, number="+6285712345678")  # another call: it cannot be told yet
    private_postgres.start()
    with caplog.at_level(logging.WARNING):
        wait_for(lambda: log.health().spooled == 0)
    assert log.replay_conflicts == 2 and "call c-1 of LP-A" in caplog.text
    [conflict] = [r for r in caplog.records if getattr(r, "event", "") == "call_id_conflict"]
    assert conflict.call_id == "c-2" and conflict.fields == ["dialed_number"]
    assert "85712345678" not in caplog.text and "not the same dialed_number" in conflict.getMessage()
    assert log.find("LP-A", "c-1").screening == first and stored_calls(private_postgres.url) == ["c-1", "c-2"]


def test_an_idle_log_notices_the_database_go_and_come_back(private_postgres, open_log, monkeypatch):
    monkeypatch.setattr(group_commit, "PROBE_INTERVAL", 0.1)
    log = open_log(private_postgres.url)
    private_postgres.stop()
    wait_for(lambda: not log.health().reachable)
    assert log.attempts_by_others() == [] and log.health().spooled == 0
    private_postgres.start()
    wait_for(lambda: log.health().reachable)
    assert log.health().last_reachable > time.time() - 5
    given, returned = log_call(log, "c-1")
    assert returned is given and log.find("LP-A", "c-1").screening == given


def test_a_privileged_call_in_the_spool_keeps_no_number(private_postgres, open_log, tmp_path):
    log = open_log(private_postgres.url)
    private_postgres.stop()
    given, returned = log_call(log, "p-1", number=f"+{LAWYER}", record=False)
    assert returned is given
    assert str(LAWYER).encode() not in (tmp_path / "replica-1" / "decisions.spool").read_bytes()


def test_past_its_bound_the_spool_refuses_calls(private_postgres, open_log):
    log = open_log(private_postgres.url, spool_max_decisions=3)
    private_postgres.stop()
    for n in range(3):
        log_call(log, f"c-{n}")
    with pytest.raises(LogUnavailable, match=r"holds 3 decisions, its bound \(spool_max_decisions=3\)"):
        log_call(log, "c-3")
    assert log.health().failing_closed
    private_postgres.start()
    wait_for(lambda: not log.health().failing_closed)
    given, returned = log_call(log, "c-3")
    assert returned is given and stored_calls(private_postgres.url) == ["c-0", "c-1", "c-2", "c-3"]


def test_a_spool_older_than_its_age_bound_refuses_calls(private_postgres, open_log):
    log = open_log(private_postgres.url, spool_max_age_seconds=0.3)
    private_postgres.stop()
    log_call(log, "c-0")
    time.sleep(0.4)
    with pytest.raises(LogUnavailable, match=r"spool_max_age_seconds=0.3"):
        log_call(log, "c-1")
    assert log.health().failing_closed


def test_a_new_log_replays_a_spool_left_behind(private_postgres, open_log, tmp_path, caplog):
    spool = tmp_path / "replica-1" / "decisions.spool"
    first = open_log(private_postgres.url)
    private_postgres.stop()
    for n in range(4):
        log_call(first, f"c-{n}")
    first.close()  # the database still away: the spool stays for the next run
    kept = spool.read_bytes()
    private_postgres.start()
    other = open_log(private_postgres.url, replica="replica-2")
    log_call(other, "c-2", at=5.0)  # another replica answers one of them meanwhile

    with caplog.at_level(logging.WARNING):
        again = open_log(private_postgres.url)  # replays before it returns
    assert again.health().spooled == 0 and not spool.exists()
    assert stored_calls(private_postgres.url) == ["c-2", "c-0", "c-1", "c-3"]
    assert again.replay_conflicts == 1 and "call c-2 of LP-A" in caplog.text
    assert again.find("LP-A", "c-2").screening.at == 5.0
    again.close()

    spool.write_bytes(kept)  # as if it had stopped after replaying, before removing the spool
    os.chmod(spool, 0o600)
    once_more = open_log(private_postgres.url)
    assert once_more.replay_conflicts == 1  # the same conflict; its own rows replayed again are no conflict
    assert stored_calls(private_postgres.url) == ["c-2", "c-0", "c-1", "c-3"]


def test_a_torn_last_line_is_dropped_and_a_damaged_spool_refused(postgres_url, open_log, tmp_path):
    spool = tmp_path / "replica-1" / "decisions.spool"
    spool.parent.mkdir(mode=0o700)
    line = json.dumps({"spooled_at": time.time(), "row": list(to_row(call("c-0"), answer("c-0")))})
    spool.write_text(line + "\n" + line[:40])
    os.chmod(spool, 0o600)
    log = open_log(postgres_url)
    assert stored_calls(postgres_url) == ["c-0"] and not spool.exists()
    log.close()
    spool.write_text("not json\n" + line + "\n")
    with pytest.raises(StoreError, match="decisions.spool is damaged at line 1"):
        open_log(postgres_url)


def test_one_spool_is_one_process(postgres_url, open_log, tmp_path):
    open_log(postgres_url)
    with pytest.raises(StoreError, match="is in use by another process"):
        open_log(postgres_url, replica="replica-2", spool_path=tmp_path / "replica-1" / "decisions.spool")


def test_the_tail_misses_no_commit_that_lands_out_of_id_order(postgres_url, open_log):
    tail = open_log(postgres_url, replica="replica-2")
    assert list(tail.attempts_since(0)) == []
    early = psycopg.connect(postgres_url)  # a replica whose transaction takes its id first and commits last
    late = psycopg.connect(postgres_url, autocommit=True)
    try:
        with early.transaction():
            insert(early, [to_row(call("slow", inmate="A-1"), answer("slow", at=1000.0))], "replica-1")
            insert(late, [to_row(call("quick", inmate="A-2"), answer("quick", at=1001.0))], "replica-1")
            assert tail.attempts_by_others() == [Attempt(1001.0, "A-2", FAMILY)]
        assert tail.attempts_by_others() == [Attempt(1000.0, "A-1", FAMILY)]
        assert tail.attempts_by_others() == []
        ids = dict(late.execute("SELECT call_id, id FROM decisions").fetchall())
        assert ids["slow"] < ids["quick"]  # tailing by id would have skipped "slow"
    finally:
        early.close()
        late.close()


def test_a_read_only_log_reads_and_refuses_writes(postgres_url, open_log):
    writer = open_log(postgres_url)
    log_call(writer, "c-1", at=1000.0)
    reader = open_log(postgres_url, replica="reader", mode="ro")
    assert reader.find("LP-A", "c-1") is not None and reader.count_before(2000.0) == 1
    with pytest.raises(StoreError, match="read-only"):
        log_call(reader, "c-2")


def test_an_unreachable_database_is_named_at_open(private_postgres, open_log):
    private_postgres.stop()
    with pytest.raises(StoreError, match=rf"cannot connect to PostgreSQL at postgresql://postgres@127.0.0.1:"
                                         rf"{private_postgres.port}/postgres"):
        open_log(private_postgres.url)


def test_the_spool_folder_is_made_private(postgres_url, open_log, tmp_path):
    open_log(postgres_url, spool_path=tmp_path / "new" / "deeper" / "decisions.spool")
    assert stat.S_IMODE((tmp_path / "new" / "deeper").stat().st_mode) == 0o700


def test_the_tail_sees_every_attempt_once_while_other_replicas_write_from_many_threads(postgres_url, open_log):
    # Two writing replicas: their transactions overlap, and commit out of order.
    writers = [open_log(postgres_url, replica="replica-1"), open_log(postgres_url, replica="replica-3")]
    reader = open_log(postgres_url, replica="replica-2")
    assert list(reader.attempts_since(0)) == []
    seen = []

    def write(writer, first):
        for n in range(first, first + 100):
            append_call(writer, call(f"c-{n}"), answer(f"c-{n}", at=1000.0 + n))

    threads = [threading.Thread(target=write, args=(writers[t % 2], t * 100)) for t in range(4)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        seen.extend(reader.attempts_by_others())
    for thread in threads:
        thread.join()
    seen.extend(reader.attempts_by_others())
    append_call(reader, call("own"), answer("own", at=5000.0))
    seen.extend(reader.attempts_by_others())
    assert sorted(attempt.at for attempt in seen) == [1000.0 + n for n in range(400)]
