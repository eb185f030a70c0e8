"""The monitoring feed end to end: a real server subprocess, real gRPC
consoles on WatchDecisions, hot numbers set with the real CLI (SQLite)."""

import uuid

import grpc
import pytest

from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc

from conftest import Cli
from test_replicas import metric, replicas, wait_for  # noqa: F401 (replicas: a fixture)

pytestmark = pytest.mark.e2e

FAMILY, LAWYER, FRAUD, FLAGGED, STRANGER = (
    "0812-3456-7890", "(021) 555-1234", "0811-1111-1111", "0811-2222-2222", "0857-1234-5678")


@pytest.fixture
def lists(cli):
    cli("allowlist", "add", "A-1", FAMILY, "--name", "Ibu Siti", "--relationship", "mother", "--reason", "visit")
    cli("allowlist", "add", "A-1", FLAGGED, "--name", "Budi", "--reason", "visit")  # approved, but flagged:
    cli("privileged", "add", LAWYER, "--name", "LBH Jakarta", "--kind", "legal-aid", "--reason", "legal aid")
    cli("blocklist", "add", FRAUD, "--reason", "LP/B/123", "--category", "fraud")
    cli("blocklist", "add", FLAGGED, "--reason", "LP/B/124", "--action", "review")
    cli("watchlist", "add", "Bank BRI", "--category", "organisation", "--reason", "prize scams")
    return cli


def watch(server, after=0, timeout=60, channel=None, **filters):
    """A console: the stream of events (a deadline, so a broken feed fails instead of hanging)."""
    stub = screening_pb2_grpc.CallScreeningServiceStub(channel or server.channel)
    return stub.WatchDecisions(pb.WatchDecisionsRequest(after_sequence=after, **filters), timeout=timeout)


def watching(server, count):
    """Wait until `count` consoles are subscribed: a console sees only what is decided after that."""
    assert wait_for(lambda: metric(server, "screening_feed_subscribers") == count), "consoles did not subscribe"


def call_id():
    return f"call-{uuid.uuid4().hex}"


def take(stream, count):
    return [next(stream) for _ in range(count)]


def test_each_console_gets_what_its_filters_ask_for_and_a_retry_is_not_sent_again(lists, start_server):
    server = start_server()
    lp_a = watch(server, facility_ids=["LP-A"])
    flagged = watch(server, decisions=[pb.DECISION_REVIEW, pb.DECISION_DENY])
    blocked = watch(server, reasons=[pb.REASON_BLOCKED_NUMBER])
    watching(server, 3)
    family = server.screen(FAMILY, facility="LP-A", call_id=call_id())
    server.screen(FAMILY, facility="LP-B")
    review = server.screen(FLAGGED, facility="LP-A", call_id="k-review")
    fraud = server.screen(FRAUD, facility="LP-B")
    stranger = server.screen(STRANGER, facility="LP-A")
    assert server.screen(FLAGGED, facility="LP-A", call_id="k-review") == review  # a retry: answered, not sent
    marker = server.screen(FRAUD, facility="LP-A")  # every console wants this one
    assert (review.decision, stranger.decision) == (pb.DECISION_REVIEW, pb.DECISION_DENY)

    def ids(stream, count):
        return [event.request.call_id for event in take(stream, count)]

    assert ids(lp_a, 4) == [family.call_id, review.call_id, stranger.call_id, marker.call_id]
    assert ids(flagged, 4) == [review.call_id, fraud.call_id, stranger.call_id, marker.call_id]
    assert ids(blocked, 3) == [review.call_id, fraud.call_id, marker.call_id]
    for stream in (lp_a, flagged, blocked):
        stream.cancel()
    assert wait_for(lambda: metric(server, "screening_feed_subscribers") == 0)


def test_an_event_is_the_call_and_its_answer_with_consecutive_sequences(lists, start_server):
    server = start_server()
    console = watch(server)
    watching(server, 1)
    answers = [server.screen(FLAGGED, inmate="A-3", station_id="K-7", called_party_name="Pak Budi") for _ in range(3)]
    events = take(console, 3)
    assert [e.response for e in events] == answers
    assert (events[0].request.inmate_id, events[0].request.station_id, events[0].request.dialed_number,
            events[0].request.called_party_name) == ("A-3", "K-7", FLAGGED, "Pak Budi")
    first = events[0].sequence
    assert [e.sequence for e in events] == [first, first + 1, first + 2]
    assert metric(server, "screening_feed_events_total") == 3


def test_a_console_that_reconnects_with_its_cursor_misses_nothing_and_sees_nothing_twice(lists, start_server):
    server = start_server()
    console = watch(server)
    watching(server, 1)
    before = [server.screen(FLAGGED).call_id for _ in range(3)]
    seen = take(console, 3)
    console.cancel()  # the console goes away ...
    assert wait_for(lambda: metric(server, "screening_feed_subscribers") == 0)
    missed = [server.screen(FRAUD).call_id for _ in range(4)]  # ... while these are decided
    again = watch(server, after=seen[-1].sequence)
    resumed = take(again, 4)
    live = server.screen(FAMILY)
    resumed += take(again, 1)
    assert [e.request.call_id for e in seen + resumed] == before + missed + [live.call_id]
    first = seen[0].sequence
    assert [e.sequence for e in seen + resumed] == list(range(first, first + 8))
    with pytest.raises(grpc.RpcError) as refused:
        next(watch(server, after=resumed[-1].sequence + 1000))
    assert refused.value.code() is grpc.StatusCode.OUT_OF_RANGE
    assert f"past the newest event, {resumed[-1].sequence}" in refused.value.details()


def test_a_slow_console_is_cut_off_screening_goes_on_and_it_resumes_from_its_cursor(lists, start_server):
    server = start_server(env={"SCREENING_FEED_SUBSCRIBER_BUFFER": "20"})
    # A console that stops reading: no flow-control window growth, so the
    # server's sends wait on it and its buffer fills.
    slow_channel = grpc.insecure_channel(f"127.0.0.1:{server.port}",
                                         options=[("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 1024)])
    slow = watch(server, channel=slow_channel)
    other = watch(server, facility_ids=["LP-OTHER"])  # a console the slow one must not hold up
    watching(server, 2)
    answered = []
    while metric(server, "screening_feed_dropped_subscribers_total") < 1:
        assert len(answered) < 20_000, "the slow console was never cut off"
        answered += [server.screen(FLAGGED).decision for _ in range(50)]
    assert set(answered) == {pb.DECISION_REVIEW}  # every call answered while the console lagged
    made = len(answered) + 1
    server.screen(FAMILY, facility="LP-OTHER")
    assert take(other, 1)[0].request.facility_id == "LP-OTHER"
    received = []
    with pytest.raises(grpc.RpcError) as cut:
        for event in slow:
            received.append(event.sequence)
    assert cut.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert f"resume with after_sequence={received[-1]}" in cut.value.details()
    first = received[0]
    assert received == list(range(first, first + len(received)))
    resumed = [e.sequence for e in take(watch(server, after=received[-1]), made - len(received))]
    assert received + resumed == list(range(first, first + made))  # nothing missed, nothing twice
    slow_channel.close()


def test_several_consoles_at_once_up_to_the_cap(lists, start_server):
    server = start_server(env={"SCREENING_FEED_MAX_SUBSCRIBERS": "3"})
    consoles = [watch(server) for _ in range(3)]
    watching(server, 3)
    with pytest.raises(grpc.RpcError) as refused:
        next(watch(server))
    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "3 consoles are watching already" in refused.value.details()
    answers = [server.screen(number) for number in (FAMILY, FRAUD, FLAGGED)]
    for console in consoles:
        assert [e.response for e in take(console, 3)] == answers


def test_hot_numbers_alert_whatever_the_decision(lists, start_server):
    server = start_server()
    lists("alerts", "add", "--number", "+62 812 3456 7890", "--note", "relay for LP/B/9", "--reason", "polda")
    lists("alerts", "add", "--inmate", "A-7", "--reason", "gang lead")
    lists("alerts", "add", "--watchlist", "watchlist:1", "--reason", "scams")
    added = lists("alerts", "add", "--number", LAWYER, "--reason", "never alerts")
    assert "privileged number" in added.stderr
    version = int(lists("audit", "verify").stdout.split("list version ")[1].split(";")[0])
    assert wait_for(lambda: metric(server, "screening_list_version") == version), "the server missed the change"
    denials = watch(server, facility_ids=["LP-A"], decisions=[pb.DECISION_DENY])
    watching(server, 1)
    family = server.screen(FAMILY, facility="LP-A")  # allowed, a hot number
    inmate = server.screen(STRANGER, inmate="A-7", facility="LP-A")  # denied, a hot inmate
    server.screen(FAMILY, facility="LP-B")  # a hot number, at a facility the console does not watch
    bank = server.screen(FAMILY, facility="LP-A", inmate="A-2", called_party_name="Bank BRI")
    server.screen(LAWYER, facility="LP-A")  # privileged: its number never alerts
    marker = server.screen(FRAUD, facility="LP-A")
    events = take(denials, 4)
    assert [e.request.call_id for e in events] == [family.call_id, inmate.call_id, bank.call_id, marker.call_id]
    assert family.decision == pb.DECISION_ALLOW
    assert [(a.kind, a.value, a.note) for a in events[0].alerts] == [("number", "+6281234567890", "relay for LP/B/9")]
    assert [(a.kind, a.value) for a in events[1].alerts] == [("inmate", "A-7")]
    assert [(a.kind, a.value) for a in events[2].alerts] == [("number", "+6281234567890"), ("watchlist", "1")]
    assert list(events[3].alerts) == []
    assert metric(server, "screening_feed_alerts_total") == 5  # the LP-B call alerted too, for other consoles
    listed = lists("alerts", "list", "--format", "csv").stdout
    assert "relay for LP/B/9" in listed and "gang lead" in listed


def test_shutdown_ends_open_streams_with_unavailable(lists, start_server):
    server = start_server()
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:  # stop() closes the server's own
        console = watch(server, channel=channel)
        watching(server, 1)
        code, log = server.stop()
        with pytest.raises(grpc.RpcError) as ended:
            next(console)
    assert ended.value.code() is grpc.StatusCode.UNAVAILABLE
    assert "shutting down" in ended.value.details()  # the feed ended it, not the grace running out
    assert code == 0, log


def test_the_readme_example_console(lists, start_server):
    import json
    import subprocess
    import sys
    from pathlib import Path

    server = start_server()
    script = Path(__file__).resolve().parents[2] / "examples" / "watch_console.py"
    console = subprocess.Popen([sys.executable, str(script), "--target", f"127.0.0.1:{server.port}",
                                "--decision", "deny", "--count", "2"], stdout=subprocess.PIPE, text=True)
    try:
        watching(server, 1)
        server.screen(FAMILY)
        denied = [server.screen(number).call_id for number in (FRAUD, STRANGER)]
        out, _ = console.communicate(timeout=30)
    finally:
        console.kill()
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["request"]["callId"] for e in events] == denied
    assert [e["response"]["decision"] for e in events] == ["DECISION_DENY"] * 2


@pytest.mark.postgres
def test_on_postgresql_every_replica_alerts_on_the_rules_and_each_feed_carries_its_own(postgres_url, replicas):
    cli = Cli(postgres_url)
    cli("init")
    cli("allowlist", "add", "A-9", FAMILY, "--name", "Ibu Siti", "--reason", "visit")
    a, b = replicas(postgres_url, "a"), replicas(postgres_url, "b")
    cli("alerts", "add", "--inmate", "A-9", "--note", "network lead", "--reason", "polda")
    for server in (a, b):
        assert wait_for(lambda: metric(server, "screening_list_version") == 2), "a replica missed the rule"
    consoles = {server: watch(server) for server in (a, b)}
    for server in (a, b):
        watching(server, 1)
    answers = {server: server.screen(FAMILY, inmate="A-9") for server in (a, b)}
    for server, console in consoles.items():
        [event] = take(console, 1)
        assert event.response == answers[server]  # its own decision, not the other replica's
        assert [(alert.kind, alert.value, alert.note) for alert in event.alerts] == [("inmate", "A-9", "network lead")]
    assert "network lead" in cli("alerts", "list").stdout
