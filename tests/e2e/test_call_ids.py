"""A call_id answers only the same call again, and a privileged call leaves
no trace of who was called: through a real server on each backend, with a
console watching, read back from every table of the decision log, the
server's log lines, /metrics and the feed."""

import json
import re
import sqlite3
import urllib.request
from pathlib import Path

import grpc
import psycopg
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

import screening.adapters
from conftest import Cli, decision_log
from screening.v1 import screening_pb2 as pb
from test_replicas import metric, replica, wait_for
from test_watch import take, watch, watching

pytestmark = pytest.mark.e2e

FAMILY, LAWYER, FRAUD = "0812-3456-7890", "(021) 555-1234", "0811-1111-1111"
CALLED = "Pak Pengacara Hidayat"  # the name a kiosk gives for the lawyer
# Every form of the lawyer's number and of the names given for it that a trace could hold.
SECRETS = ("215551234", "555-1234", "555 1234", "5551234", "Hidayat", "Pengacara", "LBH")
SCHEMA = Path(screening.adapters.__file__).parent


class Served:
    """A server on one backend, and what its decision log holds."""

    def __init__(self, backend, cli, server, read):
        self.backend, self.cli, self.server, self._read = backend, cli, server, read

    def tables(self) -> dict[str, list[tuple]]:
        """Every row of every table of the decision log, every column."""
        return self._read()


def sqlite_tables(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        names = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: conn.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}


def postgres_tables(url: str) -> dict[str, list[tuple]]:
    # The decision log's tables are those its migrations create (the lists
    # share the database, and keep the privileged number by design).
    sql = "".join(path.read_text() for path in (SCHEMA / "postgres" / "schema" / "decisions").glob("*.sql"))
    names = re.findall(r"CREATE TABLE (\w+)", sql)
    with psycopg.connect(url) as conn:
        return {name: conn.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, tmp_path):
    if request.param == "sqlite":
        cli = request.getfixturevalue("cli")
        start = lambda: request.getfixturevalue("start_server")()  # noqa: E731
        read = lambda: sqlite_tables(decision_log(cli.database))  # noqa: E731
    else:
        url = request.getfixturevalue("postgres_url")
        cli = Cli(url)
        cli("init")
        start = lambda: replica(url, tmp_path, "a")  # noqa: E731
        read = lambda: postgres_tables(url)  # noqa: E731
    cli("allowlist", "add", "A-1", FAMILY, "--name", "Ibu Siti", "--relationship", "mother", "--reason", "visit")
    cli("privileged", "add", LAWYER, "--name", "LBH Jakarta", "--kind", "legal-aid", "--reason", "legal aid")
    cli("blocklist", "add", FRAUD, "--reason", "LP/B/123", "--category", "fraud")
    server = start()
    yield Served(request.param, cli, server, read)
    server.stop()


def refused(server, number, **fields):
    """The status and the fields its BadRequest names, of a call that must be refused."""
    with pytest.raises(grpc.RpcError) as caught:
        server.screen(number, **fields)
    status = rpc_status.from_call(caught.value)
    bad_request = error_details_pb2.BadRequest()
    status.details[0].Unpack(bad_request)
    return caught.value.code(), [v.field for v in bad_request.field_violations], status.message


def test_a_call_id_answers_its_own_call_again_and_refuses_another_leaving_no_trace_of_the_privileged(served):
    server = served.server
    console = watch(server)
    watching(server, 1)
    first = server.screen(FAMILY, call_id="c-1", called_party_name="Ibu Siti")
    assert server.screen("+62 812 3456 7890", call_id="c-1", called_party_name="ibu siti") == first  # a retry
    code, fields, message = refused(server, FRAUD, call_id="c-1", called_party_name="Ibu Siti")
    assert code is grpc.StatusCode.ALREADY_EXISTS and fields == ["dialed_number"]
    assert "'c-1'" in message and "1111" not in message and "3456" not in message

    lawyer = server.screen(LAWYER, call_id="p-1", called_party_name=CALLED)
    assert lawyer.record is False
    assert server.screen("+62 21 5551234", call_id="p-1", called_party_name=CALLED).record is False
    code, fields, message = refused(server, FAMILY, call_id="p-1", called_party_name="Ibu Siti")
    assert code is grpc.StatusCode.ALREADY_EXISTS and fields == ["dialed_number", "called_party_name"]
    assert not any(secret in message for secret in SECRETS)
    server.screen(LAWYER, call_id="p-2", inmate="A-2", called_party_name="LBH Jakarta")

    assert metric(server, "screening_call_id_conflicts_total") == 2
    wait_for(lambda: len(served.tables()["decisions"]) == 3)  # the refused calls logged nothing
    assert sorted(row[2] for row in served.tables()["decisions"]) == ["c-1", "p-1", "p-2"]
    events = take(console, 3)  # nor were they sent to the console
    assert [e.response.call_id for e in events] == ["c-1", "p-1", "p-2"]
    assert metric(server, "screening_feed_events_total") == 3
    for event in events[1:]:
        assert (event.request.dialed_number, event.request.called_party_name, event.response.normalized_number) == (
            "", "", "")
        assert [f.reason for f in event.response.findings] == [pb.REASON_PRIVILEGED]
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=5).read().decode()
    _, output = server.stop()

    lines = [json.loads(line) for line in output.splitlines()]  # JSON events, every line
    conflicts = [line for line in lines if line.get("event") == "call_id_conflict"]
    assert [(c["call_id"], c["fields"]) for c in conflicts] == [
        ("c-1", ["dialed_number"]), ("p-1", ["dialed_number", "called_party_name"])]
    tables = json.dumps(served.tables(), default=str)
    assert "Ibu Siti" in tables  # the recorded call's name is kept (the search needs it)
    traces = {"decision log": tables, "server log": output, "metrics": metrics,
              "feed": b"".join(e.SerializeToString() for e in events[1:]).decode("utf-8", "replace")}
    if served.backend == "sqlite":  # the files too: their free pages and the WAL
        traces["decision log files"] = b"".join(
            file.read_bytes() for file in decision_log(served.cli.database).parent.glob("*decisions*")
        ).decode("latin-1")
    for where, text in traces.items():
        assert not [secret for secret in SECRETS if secret in text], where
