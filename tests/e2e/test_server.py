"""The real server in a subprocess, called with a real gRPC client."""

import signal
import sqlite3
import threading
import time
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from conftest import decision_log
from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc as pb_grpc

pytestmark = pytest.mark.e2e

FAMILY, LAWYER, FRAUD = "0812-3456-7890", "(021) 555-1234", "0811-1111-1111"


def reasons(answer):
    return [f.reason for f in answer.findings]


@pytest.fixture
def lists(cli):
    cli("allowlist", "add", "A-1", FAMILY, "--name", "Ibu Siti", "--relationship", "mother",
        "--reason", "registered at visit")
    cli("privileged", "add", LAWYER, "--name", "LBH Jakarta", "--kind", "legal-aid", "--reason", "legal aid")
    cli("blocklist", "add", FRAUD, "--reason", "police report LP/B/123/XI/2026", "--category", "fraud")
    return cli


def test_screens_calls_end_to_end(lists, start_server):
    server = start_server()
    family = server.screen("+62 812 3456 7890", call_id="k1-0001")
    assert (family.call_id, family.decision, family.record) == ("k1-0001", pb.DECISION_ALLOW, True)
    assert family.normalized_number == "+6281234567890"
    assert family.number_type == pb.NUMBER_TYPE_MOBILE
    assert family.list_version == 3
    lawyer = server.screen("021 5551234", inmate="A-77")
    assert (lawyer.decision, lawyer.record) == (pb.DECISION_ALLOW, False)
    fraud = server.screen("62811-1111-1111")
    assert fraud.decision == pb.DECISION_DENY
    assert [f.reason for f in fraud.findings] == [pb.REASON_BLOCKED_NUMBER, pb.REASON_NOT_ON_ALLOWLIST]
    invalid = server.screen("0812-34")
    assert (invalid.decision, invalid.findings[0].reason) == (pb.DECISION_DENY, pb.REASON_INVALID_NUMBER)


def test_bad_requests_never_kill_the_server(lists, start_server):
    server = start_server()
    for bad in ("", "DROP TABLE", "\x00\x01", "9" * 70, "%s%n%x"):
        with pytest.raises(grpc.RpcError) as caught:
            server.screen(bad)
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert server.screen(FAMILY).decision == pb.DECISION_ALLOW
    assert server.process.poll() is None


def test_health_and_reflection_work_with_stock_tooling(lists, start_server):
    server = start_server()
    health = health_pb2_grpc.HealthStub(server.channel)
    for service in ("", "screening.v1.CallScreeningService"):
        status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status
        assert status == health_pb2.HealthCheckResponse.SERVING
    database = ProtoReflectionDescriptorDatabase(server.channel)
    assert set(database.get_services()) >= {
        "screening.v1.CallScreeningService", "grpc.health.v1.Health",
    }
    service = database.FindFileContainingSymbol("screening.v1.CallScreeningService")
    assert service.package == "screening.v1"


def test_list_changes_reach_the_running_server_within_two_seconds_without_failed_calls(lists, start_server, cli):
    server = start_server()
    stranger = "0857-1234-5678"
    assert server.screen(stranger).decision == pb.DECISION_DENY
    errors, stop = [], threading.Event()

    def traffic():
        while not stop.is_set():
            try:
                server.screen(FAMILY)
            except grpc.RpcError as error:
                errors.append(error)

    threads = [threading.Thread(target=traffic) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        cli("allowlist", "add", "A-1", stranger, "--name", "Pak Budi", "--reason", "new contact")
        changed = time.monotonic()
        # The traffic trips the velocity rule, so look at the findings, not the decision.
        while pb.REASON_ALLOWLISTED not in reasons(server.screen(stranger)):
            assert time.monotonic() - changed < 2.0, "the change was not picked up within 2 s"
            time.sleep(0.05)
        cli("blocklist", "add", FAMILY, "--reason", "number sold on", "--action", "review")
        changed = time.monotonic()
        while pb.REASON_BLOCKED_NUMBER not in reasons(server.screen(FAMILY)):
            assert time.monotonic() - changed < 2.0, "the change was not picked up within 2 s"
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    numbers = ["0857-1234-5601", "0857-1234-5602", "0857-1234-5603"]
    cli("blocklist", "import", "-", "--reason", "LP/B/9/XI/2026", input="\n".join(numbers) + "\n")
    changed = time.monotonic()
    while pb.REASON_BLOCKED_NUMBER not in reasons(server.screen(numbers[-1])):
        assert time.monotonic() - changed < 2.0, "the import was not picked up within 2 s"
        time.sleep(0.05)
    code, output = server.stop()
    # Each change was applied beside the lists, not by loading them whole again.
    assert code == 0 and output.count("lists updated by 1 changes: version") == 2, output
    assert "lists updated by 3 changes: version" in output and "Traceback" not in output, output


def test_metrics_endpoint_counts_decisions(lists, start_server):
    server = start_server()
    server.screen(FAMILY)
    server.screen(FRAUD)
    with urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    assert 'screening_decisions_total{decision="allow"} 1.0' in text
    assert 'screening_decisions_total{decision="deny"} 1.0' in text
    assert 'screening_findings_total{reason="blocked_number"} 1.0' in text
    assert "screening_list_version 3.0" in text
    assert 'screening_list_entries{list="allowlist"} 1.0' in text
    assert "screening_decision_log_write_seconds_count 2.0" in text  # each answered call written once


def test_sigterm_drains_and_exits_cleanly(lists, start_server):
    """The promise of a SIGTERM: calls in flight finish with their answers,
    logged; health says NOT_SERVING while the port is still open; a call that
    comes during the drain is refused UNAVAILABLE; exit 0 within the grace."""
    grace, delay = 8.0, 3.0
    server = start_server(env={"SCREENING_GRACE_SECONDS": str(grace), "SCREENING_SHUTDOWN_DELAY_SECONDS": str(delay)})
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    stub, health = pb_grpc.CallScreeningServiceStub(channel), health_pb2_grpc.HealthStub(channel)
    # Calls held in flight: the decision log's write lock is the test's until released.
    holder = sqlite3.connect(decision_log(lists.database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    in_flight = [stub.ScreenCall.future(pb.ScreenCallRequest(
        call_id=f"drain-{n}", facility_id="LP-CIPINANG", inmate_id="A-1", dialed_number=FAMILY), timeout=30)
        for n in range(3)]
    _wait_until(lambda: _started(server) >= 3)
    server.process.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    # NOT_SERVING first, while the port still answers (for shutdown_delay_seconds) ...
    _wait_until(lambda: health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
                == health_pb2.HealthCheckResponse.NOT_SERVING)
    # ... then the port closes (health is no longer answered): a new call is refused, not dropped.
    _wait_until(lambda: _health_refused(health) == grpc.StatusCode.UNAVAILABLE)
    with pytest.raises(grpc.RpcError) as refused:
        stub.ScreenCall(pb.ScreenCallRequest(call_id="late", facility_id="LP-CIPINANG", inmate_id="A-1",
                                             dialed_number=FAMILY), timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    assert not any(call.done() for call in in_flight)
    holder.execute("ROLLBACK")
    assert [call.result().decision for call in in_flight] == [pb.DECISION_ALLOW] * 3
    assert server.process.wait(timeout=grace + 10) == 0
    assert time.monotonic() - signalled < delay + grace  # the drain ended with its calls, not at the deadline
    channel.close()
    code, log = server.stop()
    assert code == 0 and "shutting down" in log and "stopped" in log
    logged = holder.execute("SELECT call_id, decision FROM decisions ORDER BY call_id").fetchall()
    assert logged == [(f"drain-{n}", "ALLOW") for n in range(3)]


def _health_refused(health):
    """The status a health check gets, or None when it is answered."""
    try:
        health.Check(health_pb2.HealthCheckRequest(), timeout=5)
    except grpc.RpcError as error:
        return error.code()
    return None


def _started(server) -> float:
    """ScreenCall RPCs the server has started, from its /metrics."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=5).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("grpc_server_started_total{") and "ScreenCall" in line)


def _wait_until(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def test_python_server_py_takes_the_same_flags(lists, start_server):
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    server = start_server(command=[sys.executable, str(root / "server.py")])
    assert server.screen(FAMILY).decision == pb.DECISION_ALLOW


def test_bad_config_stops_the_server_with_one_clear_line(database, tmp_path):
    import subprocess
    import sys

    config = tmp_path / "bad.toml"
    config.write_text("[policy]\nrequire_allowlist = 'sometimes'\n")
    result = subprocess.run([sys.executable, "-m", "screening.cli", "serve", "--config", str(config),
                             "--database", str(database)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"screening: error: {config}: [policy] require_allowlist: expected bool, got 'sometimes'")


def test_port_in_use_is_a_clear_error(lists, start_server, database):
    import subprocess
    import sys

    first = start_server()
    result = subprocess.run([sys.executable, "-m", "screening.cli", "serve", "--database", str(database),
                             "--listen", f"127.0.0.1:{first.port}", "--metrics-listen", ""],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{first.port}" in result.stderr


def test_retries_and_restart_keep_the_behavioural_window(lists, start_server, tmp_path):
    config = tmp_path / "screening.toml"
    config.write_text("[policy.velocity]\nmax_attempts = 3\nwindow_seconds = 600\n")
    server = start_server("--config", str(config))
    first = server.screen(FAMILY, call_id="kiosk-1-0001")
    for _ in range(5):  # the phone system retries: same answer, counted once
        assert server.screen(FAMILY, call_id="kiosk-1-0001") == first
    server.screen(FAMILY, call_id="kiosk-1-0002")
    code, _ = server.stop()
    assert code == 0
    server = start_server("--config", str(config))
    assert server.screen(FAMILY, call_id="kiosk-1-0001") == first  # remembered across the restart
    third = server.screen(FAMILY, call_id="kiosk-1-0003")
    assert third.decision == pb.DECISION_ALLOW and pb.REASON_VELOCITY not in reasons(third)
    fourth = server.screen(FAMILY, call_id="kiosk-1-0004")
    assert fourth.decision == pb.DECISION_REVIEW
    assert [f.detail for f in fourth.findings if f.reason == pb.REASON_VELOCITY] == [
        "4 call attempts in the last 10 min (limit 3)"]


def test_a_killed_server_loses_no_answered_decision(lists, start_server):
    server = start_server()
    answers = {f"kill-{i}": server.screen(FAMILY, call_id=f"kill-{i}") for i in range(20)}
    server.stop(signal.SIGKILL)
    server = start_server()
    for call_id, answer in answers.items():
        assert server.screen(FAMILY, call_id=call_id) == answer


def test_the_readme_example_client(lists, start_server):
    import json
    import subprocess
    import sys
    from pathlib import Path

    server = start_server()
    script = Path(__file__).resolve().parents[2] / "examples" / "screen_call.py"

    def ask(number):
        out = subprocess.run([sys.executable, str(script), "--target", f"127.0.0.1:{server.port}",
                              "--facility", "LP-CIPINANG", "--inmate", "A-1", "--number", number],
                             capture_output=True, text=True, timeout=30, check=True).stdout
        return json.loads(out)

    family, lawyer = ask("6281234567890"), ask("021 5551234")
    assert (family["decision"], family["findings"][0]["reason"], family["record"]) == (
        "DECISION_ALLOW", "REASON_ALLOWLISTED", True)
    assert (lawyer["decision"], lawyer["findings"][0]["reason"], lawyer["record"]) == (
        "DECISION_ALLOW", "REASON_PRIVILEGED", False)
