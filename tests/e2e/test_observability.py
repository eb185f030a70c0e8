"""What operators see of a real server: the standard gRPC metrics on its
/metrics, by value after known calls, and its JSON log lines on stdout."""

import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.request
from contextlib import closing
from datetime import datetime

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from conftest import decision_log

pytestmark = pytest.mark.e2e

FAMILY, LAWYER, FRAUD = "0812-3456-7890", "(021) 555-1234", "0811-1111-1111"
NAMES = ("Ibu Siti", "Siti", "LBH", "Budi Hartono", "Hartono")
# Every form of the numbers dialled that a log line could hold.
NUMBERS = ("81234567890", "812-3456-7890", "812 3456 7890", "215551234", "555-1234", "81111111111", "811-1111-1111")
SCREEN = {"grpc_type": "unary", "grpc_service": "screening.v1.CallScreeningService", "grpc_method": "ScreenCall"}
CHECK = {"grpc_type": "unary", "grpc_service": "grpc.health.v1.Health", "grpc_method": "Check"}


@pytest.fixture
def lists(cli, database):
    cli("allowlist", "add", "A-1", FAMILY, "--name", "Ibu Siti", "--relationship", "mother",
        "--reason", "registered at visit")
    cli("privileged", "add", LAWYER, "--name", "LBH Jakarta", "--kind", "legal-aid", "--reason", "legal aid")
    cli("blocklist", "add", FRAUD, "--reason", "police report LP/B/123/XI/2026", "--category", "fraud")
    # A decision log that fails the writes of calls named boom-*, in a way the
    # service does not expect (INTERNAL), with a message quoting the call.
    with closing(sqlite3.connect(decision_log(database))) as conn:
        conn.execute("CREATE TRIGGER boom BEFORE INSERT ON decisions WHEN NEW.call_id LIKE 'boom-%' "
                     "BEGIN SELECT RAISE(ABORT, 'cannot store +6281234567890 for Ibu Siti'); END")
        conn.commit()
    return cli


def screen(server, number, **fields):
    try:
        server.screen(number, **fields)
        return grpc.StatusCode.OK
    except grpc.RpcError as error:
        return error.code()


def place_calls(server) -> list:
    """4 answered, 2 invalid, 1 the decision log fails: the codes the client got."""
    codes = [screen(server, FAMILY, call_id="c-1", called_party_name="Ibu Siti"),
             screen(server, FRAUD, call_id="c-2", called_party_name="Budi Hartono"),
             screen(server, LAWYER, call_id="c-3"),
             screen(server, FAMILY, call_id="c-1", called_party_name="Ibu Siti"),  # a retry: the same answer
             screen(server, "call me", call_id="c-4"),
             screen(server, FAMILY, call_id="c-5", inmate="x" * 65),
             screen(server, FAMILY, call_id="boom-1", called_party_name="Ibu Siti")]
    assert codes == [grpc.StatusCode.OK] * 4 + [grpc.StatusCode.INVALID_ARGUMENT] * 2 + [grpc.StatusCode.INTERNAL]
    return codes


def scrape(port: int) -> dict:
    """{(sample name, frozenset of its labels): value} from the server's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def sample(samples: dict, name: str, labels: dict, **more) -> float | None:
    return samples.get((name, frozenset({**labels, **more}.items())))


def test_grpc_metrics_by_value_after_known_calls(lists, start_server):
    server = start_server()
    place_calls(server)
    health = health_pb2_grpc.HealthStub(server.channel)
    for service in ("", "screening.v1.CallScreeningService"):
        health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    with pytest.raises(grpc.RpcError) as unknown:  # a name health does not know: NOT_FOUND
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
    assert unknown.value.code() is grpc.StatusCode.NOT_FOUND
    got = scrape(server.metrics_port)
    assert sample(got, "grpc_server_started_total", SCREEN) == 7
    assert {code: sample(got, "grpc_server_handled_total", SCREEN, grpc_code=code)
            for code in ("OK", "INVALID_ARGUMENT", "INTERNAL", "UNAVAILABLE", "UNKNOWN")} == {
        "OK": 4, "INVALID_ARGUMENT": 2, "INTERNAL": 1, "UNAVAILABLE": 0, "UNKNOWN": 0}
    assert sample(got, "grpc_server_handling_seconds_count", SCREEN) == 7
    assert sample(got, "grpc_server_handling_seconds_bucket", SCREEN, le="+Inf") == 7
    assert sample(got, "grpc_server_msg_sent_total", SCREEN) == 4
    assert sample(got, "grpc_server_started_total", CHECK) == 3
    assert sample(got, "grpc_server_handled_total", CHECK, grpc_code="OK") == 2
    assert sample(got, "grpc_server_handled_total", CHECK, grpc_code="NOT_FOUND") == 1
    assert sample(got, "grpc_server_handling_seconds_count", CHECK) == 3
    # The same registry as the service's own metrics.
    assert sample(got, "screening_request_errors_total", {"cause": "invalid_request"}) == 2


def test_json_log_lines(lists, start_server, tmp_path):
    config = tmp_path / "screening.toml"
    config.write_text("[facilities.LP-CIPINANG]\nmax_duration_seconds = 600\n\n"
                      "[facilities.LP-SALEMBA.velocity]\nmax_attempts = 3\n")
    with open(tmp_path / "stderr", "w") as stderr:
        server = start_server("--config", str(config), stderr=stderr)
        place_calls(server)
        code, out = server.stop()
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]  # every line is one JSON event
    for event in events:
        assert {"ts", "level", "logger", "msg"} <= set(event), event
        assert event["ts"].endswith("Z") and datetime.fromisoformat(event["ts"]).utcoffset().total_seconds() == 0
        assert event["level"] in ("INFO", "WARNING", "ERROR")  # log_level INFO: nothing lower
    [started] = [e for e in events if e.get("event") == "started"]
    assert started["msg"] == f"listening on 127.0.0.1:{server.port} (plaintext, unauthenticated)"
    assert (started["port"], started["metrics_port"]) == (server.port, server.metrics_port)
    assert started["version"] == __import__("screening").__version__
    assert (started["store"], started["config"]) == (str(lists.database), str(config))
    assert started["decision_log"] == str(decision_log(lists.database))
    assert started["facility_overrides"] == {"LP-CIPINANG": ["max_duration_seconds"], "LP-SALEMBA": ["velocity"]}
    assert started["lists"] == {"allowlist": 1, "privileged": 1, "blocklist": 1, "watchlist": 0}
    assert started["list_version"] == 3 and started["load_seconds"] >= 0
    # The call the decision log failed: logged with its call_id, its type, where; not its message.
    [failed] = [e for e in events if e["level"] == "ERROR"]
    assert failed["call_id"] == "boom-1" and failed["error"] == "IntegrityError"
    assert "unhandled error in /screening.v1.CallScreeningService/ScreenCall" == failed["msg"]
    assert "decision_log.py" in failed["traceback"] and "cannot store" not in out
    assert [e for e in events if "call_id" in e] == [failed]
    for number in NUMBERS:
        assert number not in out, number
    for name in NAMES:
        assert name not in out, name


def test_text_logs_when_configured(lists, start_server):
    server = start_server(env={"SCREENING_LOG_FORMAT": "text"})
    assert server.screen(FAMILY).decision
    code, out = server.stop()
    assert code == 0
    assert re.search(r"^\S+ \S+ INFO screening: listening on 127\.0\.0\.1:\d+ \(plaintext, unauthenticated\)$", out, re.M), out
    assert not any(line.startswith("{") for line in out.splitlines())


def test_a_bad_log_setting_is_one_clear_line(database):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")}
    for variable, value, message in (
            ("SCREENING_LOG_FORMAT", "xml", "log_format: expected one of json, text, got 'xml'"),
            ("SCREENING_LOG_LEVEL", "loud", "log_level: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, "
                                            "got 'loud'")):
        result = subprocess.run([sys.executable, "-m", "screening.cli", "serve", "--database", str(database)],
                                capture_output=True, text=True, timeout=30, env={**clean, variable: value})
        assert (result.returncode, result.stderr.strip()) == (1, f"screening: error: {message}")
