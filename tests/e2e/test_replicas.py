"""Several replicas on one PostgreSQL: real server processes, the real CLI,
a real database (a schema of its own, or a private cluster the test stops).
"""

import threading
import time
import urllib.request

import grpc
import psycopg
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from conftest import Cli, ServerProcess
from screening.v1 import screening_pb2 as pb

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

FAMILY = "+6281234567890"
FRAUD = "+6285712345678"


def reasons(answer):
    return {f.reason for f in answer.findings}


def replica(url, tmp_path, name, *args, env=None):
    """A server process on the database at `url`, its spool in tmp_path."""
    return ServerProcess(url, *args, env={"SCREENING_REPLICA": name,
                                          "SCREENING_DECISION_SPOOL": str(tmp_path / f"{name}.spool"),
                                          **(env or {})})


@pytest.fixture
def replicas(tmp_path):
    started = []

    def start(url, name, *args, **kwargs):
        server = replica(url, tmp_path, name, *args, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def lists(postgres_url):
    cli = Cli(postgres_url)
    cli("init")
    cli("allowlist", "add", "A-1", FAMILY, "--name", "Ibu Siti",
        "--reason", "family registration")
    for inmate in ("A-2", "A-3"):
        cli("allowlist", "add", inmate, FRAUD, "--name", "Pak Joko",
            "--reason", "family registration")
    return cli


def wait_for(condition, timeout=10.0, step=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def metric(server, name):
    body = urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=5).read().decode()
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not exported")


def test_a_cli_change_reaches_both_replicas_by_notification(lists, postgres_url, replicas):
    # Polling once a minute: only the notification can bring the change in time.
    a = replicas(postgres_url, "a", env={"SCREENING_RELOAD_INTERVAL": "60"})
    b = replicas(postgres_url, "b", env={"SCREENING_RELOAD_INTERVAL": "60"})
    for server in (a, b):
        assert server.screen(FRAUD, inmate="A-2").decision == pb.DECISION_ALLOW
    lists("blocklist", "add", FRAUD, "--category", "fraud", "--reason", "police report LP/123/XI/2026")
    for server in (a, b):
        assert wait_for(lambda: server.screen(FRAUD, inmate="A-2").decision == pb.DECISION_DENY, timeout=20)


def test_a_retry_to_the_other_replica_gets_the_first_answer_once(lists, postgres_url, replicas):
    a, b = replicas(postgres_url, "a"), replicas(postgres_url, "b")
    first = a.screen(FAMILY, call_id="kiosk-7-0001")
    assert first.decision == pb.DECISION_ALLOW
    assert b.screen("+62 812 3456 7890", call_id="kiosk-7-0001") == first  # the same number, in another form
    with pytest.raises(grpc.RpcError) as refused:  # another call under its id: refused by the replica that lost
        b.screen("0857-0000-0000", call_id="kiosk-7-0001")
    assert refused.value.code() is grpc.StatusCode.ALREADY_EXISTS and "dialed_number" in refused.value.details()
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT replica FROM decisions WHERE call_id = 'kiosk-7-0001'").fetchall()
    assert rows == [("a",)]


def test_velocity_holds_across_replicas_as_in_one_process(lists, postgres_url, replicas, tmp_path):
    config = tmp_path / "screening.toml"
    config.write_text("[policy.velocity]\nmax_attempts = 3\nwindow_seconds = 600\n")
    a = replicas(postgres_url, "a", "--config", str(config))
    b = replicas(postgres_url, "b", "--config", str(config))
    answers = []
    for i in range(5):  # alternating, a second apart: a, b, a, b, a
        server = (a, b)[i % 2]
        answers.append(server.screen(FAMILY, call_id=f"alt-{i}"))
        time.sleep(1.1)
    flagged = [pb.REASON_VELOCITY in reasons(answer) for answer in answers]
    assert flagged == [False, False, False, True, True]  # one process: the 4th attempt is the first past 3
    assert [f.detail for f in answers[3].findings if f.reason == pb.REASON_VELOCITY] == [
        "4 call attempts in the last 10 min (limit 3)"]


def test_two_replicas_starting_at_once_on_an_empty_database_migrate_it_once(postgres_url, tmp_path):
    servers, errors = [], []

    def start(name):
        try:
            servers.append(replica(postgres_url, tmp_path, name))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=start, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == [] and len(servers) == 2
        for server in servers:
            assert server.screen(FAMILY).decision == pb.DECISION_DENY  # not approved: the lists are empty
        with psycopg.connect(postgres_url) as conn:
            applied = conn.execute("SELECT component, version, count(*) FROM schema_migrations "
                                   "GROUP BY component, version ORDER BY 1, 2").fetchall()
        assert applied and all(count == 1 for _, _, count in applied)
        assert {component for component, _, _ in applied} == {"lists", "decisions"}
    finally:
        for server in servers:
            server.stop()


def health(server, service=""):
    stub = health_pb2_grpc.HealthStub(server.channel)
    return stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status


def test_a_replica_answers_while_the_database_is_away_and_loses_no_decision(private_postgres, replicas, tmp_path):
    url = private_postgres.url
    cli = Cli(url)
    cli("init")
    cli("allowlist", "add", "A-1", FAMILY, "--name", "Ibu Siti", "--reason", "family")
    config = tmp_path / "screening.toml"
    config.write_text('[policy.velocity]\naction = "off"\n')  # 23 calls of one inmate: not the point here
    server = replicas(url, "a", "--config", str(config))
    before = [server.screen(FAMILY, call_id=f"before-{i}") for i in range(3)]
    private_postgres.stop()
    during = [server.screen(FAMILY, call_id=f"during-{i}") for i in range(20)]
    assert all(answer.decision == pb.DECISION_ALLOW for answer in during)  # from the last good lists
    assert server.screen(FAMILY, call_id="during-3") == during[3]  # a retry during the outage
    assert wait_for(lambda: metric(server, "screening_decision_log_reachable") == 0)
    # The gauges are the log's health as last polled (every 0.2 s): the
    # poll that saw the database away may have come before the last calls.
    assert wait_for(lambda: metric(server, "screening_decision_spool_decisions") == 20)
    assert health(server) == health_pb2.HealthCheckResponse.SERVING
    assert health(server, "screening.decision_log") == health_pb2.HealthCheckResponse.NOT_SERVING
    spool = tmp_path / "a.spool"
    assert spool.exists() and spool.stat().st_mode & 0o777 == 0o600
    private_postgres.start()
    assert wait_for(lambda: metric(server, "screening_decision_spool_decisions") == 0, timeout=30)
    assert metric(server, "screening_decision_log_reachable") == 1
    assert wait_for(lambda: health(server, "screening.decision_log") == health_pb2.HealthCheckResponse.SERVING)
    with psycopg.connect(url) as conn:
        stored = conn.execute("SELECT call_id FROM decisions ORDER BY at, id").fetchall()
    assert [c for (c,) in stored] == [f"before-{i}" for i in range(3)] + [f"during-{i}" for i in range(20)]
    assert all(answer.decision == pb.DECISION_ALLOW for answer in before)
    # And list changes flow again.
    cli("blocklist", "add", FAMILY, "--category", "fraud", "--reason", "number taken over")
    assert wait_for(lambda: server.screen(FAMILY).decision == pb.DECISION_DENY, timeout=20)


def test_past_the_spools_bound_the_replica_refuses_calls_and_says_so(private_postgres, replicas):
    url = private_postgres.url
    cli = Cli(url)
    cli("init")
    server = replicas(url, "a", env={"SCREENING_SPOOL_MAX_DECISIONS": "5"})
    private_postgres.stop()
    for i in range(5):
        server.screen(FAMILY, call_id=f"during-{i}")
    with pytest.raises(grpc.RpcError) as refused:
        server.screen(FAMILY, call_id="during-5")
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    assert wait_for(lambda: health(server) == health_pb2.HealthCheckResponse.NOT_SERVING)
    assert metric(server, "screening_decision_log_failing_closed") == 1
    private_postgres.start()
    assert wait_for(lambda: health(server) == health_pb2.HealthCheckResponse.SERVING, timeout=30)
    assert server.screen(FAMILY, call_id="after-0").decision == pb.DECISION_DENY
