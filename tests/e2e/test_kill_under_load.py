"""kill -9 of a server under load, on SQLite and on PostgreSQL: every call it
answered is in the decision log afterwards (an answer is given only once its
decision is durable)."""

import json
import signal
import threading

import grpc
import pytest

from conftest import Cli, ServerProcess
from screening.v1 import screening_pb2 as pb

pytestmark = pytest.mark.e2e

FAMILY, FACILITY = "0812-3456-7890", "LP-KILL"
THREADS, ANSWERED_BEFORE_KILL = 6, 150


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """(CLI, the environment the server needs) on a fresh SQLite file or PostgreSQL schema."""
    if request.param == "sqlite":
        cli = Cli(tmp_path / "screening.db")
    else:
        cli = Cli(request.getfixturevalue("postgres_url"),
                  env={"SCREENING_DECISION_SPOOL": str(tmp_path / "spool" / "decisions.spool")})
    cli("init")
    cli("allowlist", "add", "A-1", FAMILY, "--name", "Ibu Siti", "--reason", "registered at visit")
    return cli


def load(server: ServerProcess, answered: set[str], enough: threading.Event, stop: threading.Event, n: int):
    """Calls one after another, each with a new call_id, until the server is gone."""
    for i in range(100_000):
        if stop.is_set():
            return
        call_id = f"kill-{n}-{i}"
        number = FAMILY if i % 3 else f"0857-{n:04d}-{i:04d}"  # allowed and denied, each logged
        try:
            server.stub.ScreenCall(pb.ScreenCallRequest(call_id=call_id, facility_id=FACILITY, inmate_id="A-1",
                                                        dialed_number=number), timeout=10)
        except grpc.RpcError:
            return  # the server was killed: this call was not answered
        answered.add(call_id)
        if len(answered) >= ANSWERED_BEFORE_KILL:
            enough.set()


def test_every_decision_answered_before_a_kill_is_in_the_log(store):
    server = ServerProcess(store.database, env=store.env)
    answered, enough, stop = set(), threading.Event(), threading.Event()
    clients = [threading.Thread(target=load, args=(server, answered, enough, stop, n)) for n in range(THREADS)]
    try:
        for client in clients:
            client.start()
        assert enough.wait(timeout=60), "the load did not get going"
        server.process.send_signal(signal.SIGKILL)  # with calls in flight on every thread
        server.process.wait(timeout=15)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=30)
        server.stop(signal.SIGKILL)
    # A restart reads back a spool the decision log may have written (PostgreSQL away); then stop it cleanly.
    restarted = ServerProcess(store.database, env=store.env)
    assert restarted.stop()[0] == 0
    listed = store("decisions", "list", "--facility", FACILITY, "--format", "jsonl").stdout.splitlines()
    logged = {json.loads(line)["call_id"] for line in listed}
    assert len(answered) >= ANSWERED_BEFORE_KILL
    assert answered - logged == set()
