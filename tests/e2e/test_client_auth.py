"""Who may ask, end to end: real server processes, real certificates (openssl),
real tokens: a kiosk system asking for another facility, bad and missing
tokens, missing and foreign certificates, watch permission, per-client caps,
and the refusal to serve unauthenticated unless told to."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import grpc
import pytest

from screening.service.clients import new_token, token_hash
from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc

from test_node_client import node_client  # noqa: F401 (a fixture: the Node.js example, installed)
from test_replicas import metric, wait_for
from test_tls import Authority, tls_env
from test_watch import watching

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

NUMBER = "0812-3456-7890"
KIOSK_A, SWITCH = "kiosk.lp-a.example", "switch.national.example"


@pytest.fixture
def lists(cli):
    cli("allowlist", "add", "A-1", NUMBER, "--name", "Ibu Siti", "--reason", "r")


def client_table(name, facilities, **keys):
    lines = [f"[clients.{name}]", "facility_ids = [" + ", ".join(f'"{f}"' for f in facilities) + "]"]
    for key, value in keys.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, str):
            value = f'"{value}"'
        elif isinstance(value, list):
            value = "[" + ", ".join(f'"{v}"' for v in value) + "]"
        lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def config(tmp_path, *tables):
    path = tmp_path / "clients.toml"
    path.write_text("".join(tables))
    return path


def off(env=None):
    """Without the conftest's allow_unauthenticated: these servers must authenticate."""
    return {"SCREENING_ALLOW_UNAUTHENTICATED": "0", **(env or {})}


class Caller:
    """One client: a channel (TLS with a certificate, or plaintext) and optional bearer token."""

    def __init__(self, port, ca=None, cert=None, key=None, token=None):
        read = lambda path: path.read_bytes() if path else None  # noqa: E731
        if ca is None:
            self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        else:
            self.channel = grpc.secure_channel(f"127.0.0.1:{port}",
                                               grpc.ssl_channel_credentials(read(ca), read(key), read(cert)))
        self.metadata = (("authorization", token if " " in (token or " ") else f"Bearer {token}"),) if token else ()
        self.stub = screening_pb2_grpc.CallScreeningServiceStub(self.channel)

    def screen(self, facility="LP-A"):
        """The decision's name, or the error (code, details)."""
        request = pb.ScreenCallRequest(call_id=f"c-{uuid.uuid4().hex}", facility_id=facility, inmate_id="A-1",
                                       dialed_number=NUMBER)
        try:
            return pb.Decision.Name(self.stub.ScreenCall(request, timeout=10, metadata=self.metadata).decision)
        except grpc.RpcError as error:
            return error.code(), error.details()

    def watch(self, **filters):
        return self.stub.WatchDecisions(pb.WatchDecisionsRequest(**filters), timeout=60, metadata=self.metadata)


def denied(server, client, reason):
    return metric(server, f'screening_client_denied_total{{client="{client}",reason="{reason}"}}')


@pytest.fixture
def mutual(ca, lists, start_server, tmp_path):
    """A mutual-TLS server with a kiosk system of LP-A and a national switch."""
    cert, key = ca.server()
    path = config(tmp_path, client_table("lp-a", ["LP-A"], certificate_names=[KIOSK_A]),
                  client_table("national", ["*"], certificate_names=[SWITCH]))
    server = start_server("--config", str(path), env=off(tls_env(cert, key, ca.cert)))

    def caller(name=None, authority=None):
        if name is None:
            return Caller(server.port, ca.cert)
        issued = (authority or ca).issue(name, f"subjectAltName = DNS:{name}\nextendedKeyUsage = clientAuth")
        return Caller(server.port, ca.cert, *issued)

    return server, caller


@pytest.fixture
def ca(tmp_path):
    return Authority(tmp_path, "facility")


def test_a_kiosk_certificate_screens_for_its_own_facility_only(mutual):
    server, caller = mutual
    kiosk, switch = caller(KIOSK_A), caller(SWITCH)
    assert "(TLS, client certificates required, 2 clients)" in "".join(server.log)
    assert kiosk.screen("LP-A") == "DECISION_ALLOW"
    assert denied(server, "lp-a", "permission_denied") == 0
    code, details = kiosk.screen("LP-B")
    assert code is grpc.StatusCode.PERMISSION_DENIED
    assert details == "client lp-a may not screen calls for facility 'LP-B' (not in its facility_ids)"
    assert denied(server, "lp-a", "permission_denied") == 1
    assert switch.screen("LP-B") == "DECISION_ALLOW"  # "*": every facility
    code, output = server.stop()
    assert code == 0 and "may not screen calls for facility 'LP-B'" in output
    assert "3456" not in output  # the number is in no line


def test_a_certificate_of_no_client_missing_or_from_another_ca_gets_nothing(mutual, ca):
    server, caller = mutual
    code, details = caller("kiosk.unknown.example").screen()  # signed by the CA, but no [clients] entry
    assert (code, details) == (grpc.StatusCode.UNAUTHENTICATED,
                               "no [clients] entry has certificate name 'kiosk.unknown.example'")
    assert denied(server, "unknown", "unauthenticated") == 1
    assert caller().screen()[0] is grpc.StatusCode.UNAVAILABLE  # no certificate: no handshake
    stranger = Authority(ca.folder, "elsewhere")
    assert caller(KIOSK_A, authority=stranger).screen()[0] is grpc.StatusCode.UNAVAILABLE
    assert caller(KIOSK_A).screen() == "DECISION_ALLOW"  # and the server serves on
    assert server.process.poll() is None


@pytest.fixture
def tokens(lists, start_server, tmp_path):
    """A plaintext server on loopback whose clients are known by bearer tokens."""
    secrets = {"lp-a": new_token(), "lp-b": new_token()}
    path = config(tmp_path, client_table("lp-a", ["LP-A"], token_sha256=token_hash(secrets["lp-a"])),
                  client_table("lp-b", ["LP-B"], token_sha256=token_hash(secrets["lp-b"])))
    assert secrets["lp-a"] not in path.read_text()
    return path, secrets


def test_a_bad_or_missing_token_is_unauthenticated_and_health_stays_open(tokens, start_server):
    path, secrets = tokens
    server = start_server("--config", str(path), env=off())
    assert "(plaintext, 2 clients)" in "".join(server.log)
    assert Caller(server.port, token=secrets["lp-a"]).screen("LP-A") == "DECISION_ALLOW"
    assert Caller(server.port, token=secrets["lp-b"]).screen("LP-A")[0] is grpc.StatusCode.PERMISSION_DENIED
    for token, says in [(new_token(), "the bearer token is not one of a configured client"),
                        (None, "no client certificate and no 'authorization: Bearer TOKEN' metadata"),
                        (f"Basic {secrets['lp-a']}", "the authorization metadata is not 'Bearer TOKEN'")]:
        assert Caller(server.port, token=token).screen("LP-A") == (grpc.StatusCode.UNAUTHENTICATED, says)
    for _ in range(50):  # a scanner: every call counted, one log line a window
        assert Caller(server.port).screen("LP-A")[0] is grpc.StatusCode.UNAUTHENTICATED
    assert denied(server, "unknown", "unauthenticated") == 53
    assert denied(server, "lp-b", "permission_denied") == 1
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    health = health_pb2_grpc.HealthStub(server.channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    _, output = server.stop()
    assert secrets["lp-a"] not in output and secrets["lp-b"] not in output
    refused = [line for line in output.splitlines() if "refused a call" in line]
    assert len(refused) == 2 and "permission_denied" in refused[0] + refused[1], refused


def test_watching_needs_may_watch_and_sees_the_clients_facilities_only(lists, start_server, tmp_path):
    secrets = {name: new_token() for name in ("kiosk", "console", "national")}
    path = config(tmp_path, client_table("kiosk", ["LP-A"], token_sha256=token_hash(secrets["kiosk"])),
                  client_table("console", ["LP-A"], may_watch=True, token_sha256=token_hash(secrets["console"])),
                  client_table("national", ["*"], token_sha256=token_hash(secrets["national"])))
    server = start_server("--config", str(path), env=off())
    kiosk, console, national = (Caller(server.port, token=secrets[name]) for name in secrets)
    with pytest.raises(grpc.RpcError) as refused:
        next(kiosk.watch())
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert refused.value.details() == "client kiosk may not watch decisions (may_watch is false)"
    with pytest.raises(grpc.RpcError) as elsewhere:
        next(console.watch(facility_ids=["LP-B"]))
    assert elsewhere.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert elsewhere.value.details() == "client console may watch its own facilities only: LP-A"
    assert denied(server, "console", "permission_denied") == 1
    stream = console.watch()  # every facility asked for: its own given
    watching(server, 1)
    for facility in ("LP-B", "LP-A"):
        assert national.screen(facility) == "DECISION_ALLOW"
    assert next(stream).request.facility_id == "LP-A"  # LP-B's came first, and was not sent
    stream.cancel()


def test_a_client_over_its_in_flight_cap_is_refused_while_another_is_answered(lists, start_server, tmp_path):
    secrets = {"busy": new_token(), "calm": new_token()}
    path = config(tmp_path, client_table("busy", ["*"], may_watch=True, max_in_flight=1,
                                         token_sha256=token_hash(secrets["busy"])),
                  client_table("calm", ["*"], max_in_flight=1, token_sha256=token_hash(secrets["calm"])))
    server = start_server("--config", str(path), env=off())
    busy, calm = Caller(server.port, token=secrets["busy"]), Caller(server.port, token=secrets["calm"])
    stream = busy.watch()  # a stream is a call in flight for as long as it lasts
    watching(server, 1)
    assert busy.screen() == (grpc.StatusCode.RESOURCE_EXHAUSTED,
                             "client busy has max_in_flight (1) calls in flight already: wait for an answer")
    assert [calm.screen() for _ in range(5)] == ["DECISION_ALLOW"] * 5
    assert denied(server, "busy", "in_flight") == 1 and denied(server, "calm", "in_flight") == 0
    stream.cancel()
    watching(server, 0)
    assert wait_for(lambda: busy.screen() == "DECISION_ALLOW")


def test_a_client_over_its_rate_is_refused_while_another_is_answered(lists, start_server, tmp_path):
    secrets = {"fast": new_token(), "calm": new_token()}
    path = config(tmp_path, client_table("fast", ["*"], max_calls_per_second=1,
                                         token_sha256=token_hash(secrets["fast"])),
                  client_table("calm", ["*"], token_sha256=token_hash(secrets["calm"])))
    server = start_server("--config", str(path), env=off())
    fast, calm = Caller(server.port, token=secrets["fast"]), Caller(server.port, token=secrets["calm"])
    answers, others = [], []
    for _ in range(10):  # one a second allowed: ten in a row cannot all be
        answers.append(fast.screen())
        others.append(calm.screen())
    assert answers[0] == "DECISION_ALLOW"
    limited = (grpc.StatusCode.RESOURCE_EXHAUSTED, "client fast is over its max_calls_per_second (1): slow down")
    assert limited in answers and {a for a in answers if a != limited} <= {"DECISION_ALLOW", "DECISION_REVIEW"}
    # All answered (calls this quick for one inmate are reviewed: the velocity rule, not a cap).
    assert all(answer.startswith("DECISION_") for answer in others), others
    assert denied(server, "fast", "rate_limited") == answers.count(limited)


def serve(database, *args, env=None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")}
    return subprocess.run([sys.executable, "-m", "screening.cli", "serve", "--database", str(database),
                           "--metrics-listen", "", *args], capture_output=True, text=True, timeout=30,
                          env={**clean, **(env or {})})


def test_serving_unauthenticated_needs_the_setting_and_is_warned_of(cli, start_server):
    result = serve(cli.database, "--listen", "127.0.0.1:0")
    assert result.returncode == 1
    assert result.stderr.startswith("screening: error: no [clients.NAME] configured and no client certificates "
                                    "required: anyone who can reach 127.0.0.1:0 could screen calls for every "
                                    "facility.")
    assert "allow_unauthenticated = true" in result.stderr and len(result.stderr.splitlines()) == 1
    server = start_server("--allow-unauthenticated", env=off())
    assert f"allow_unauthenticated: no clients configured: anyone who can reach 127.0.0.1:{server.port} may " \
           "screen calls for every facility" in "".join(server.log)
    assert "(plaintext, unauthenticated)" in "".join(server.log)
    assert server.screen(NUMBER).decision == pb.DECISION_DENY  # served: not allowlisted here


def test_tokens_in_clear_text_off_loopback_and_bad_client_tables_are_refused(cli, tmp_path):
    path = config(tmp_path, client_table("lp-a", ["LP-A"], token_sha256=token_hash("x")))
    result = serve(cli.database, "--config", str(path), "--listen", "0.0.0.0:0")
    assert (result.returncode, result.stderr) == (1, (
        "screening: error: [clients.lp-a] token_sha256: a bearer token would cross the network in clear text to "
        "0.0.0.0:0: set tls_cert and tls_key, or listen on loopback\n"))
    for table, says in [
        (client_table("lp-a", [], token_sha256=token_hash("x")), "[clients.lp-a] facility_ids: name the facilities"),
        (client_table("lp-a", ["LP-A"], token_sha256="secret"), "[clients.lp-a] token_sha256: expected 64 hex"),
        (client_table("lp-a", ["LP-A"]), "[clients.lp-a]: set certificate_names or token_sha256"),
        (client_table("lp-a", ["LP-A"], token_sha256=token_hash("x"), max_in_flight=0),
         "[clients.lp-a] max_in_flight: expected a whole number of at least 1, got 0"),
        (client_table("lp-a", ["LP-A"], token_sha256=token_hash("x"), watch=True), "[clients.lp-a] watch: unknown key"),
        (client_table("lp-a", ["LP-A"], certificate_names=[KIOSK_A]),
         "[clients.lp-a] certificate_names: no client can present a certificate without mutual TLS"),
    ]:
        path.write_text(table)
        result = serve(cli.database, "--config", str(path), "--listen", "127.0.0.1:0")
        assert result.returncode == 1 and result.stderr.startswith("screening: error: "), result.stderr
        assert says in result.stderr and len(result.stderr.splitlines()) == 1


def test_the_example_clients_send_their_token(tokens, start_server, node_client):
    path, secrets = tokens
    server = start_server("--config", str(path), env=off())
    call = ["--target", f"127.0.0.1:{server.port}", "--facility", "LP-A", "--inmate", "A-1", "--number", NUMBER]
    example = [sys.executable, str(ROOT / "examples" / "screen_call.py"), *call]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")}
    python = subprocess.run(example, capture_output=True, text=True, timeout=60,
                            env={**clean, "SCREENING_TOKEN": secrets["lp-a"]})
    assert python.returncode == 0 and '"decision": "DECISION_ALLOW"' in python.stdout, python.stderr
    anonymous = subprocess.run(example, capture_output=True, text=True, timeout=60, env=clean)
    assert anonymous.returncode == 1 and anonymous.stderr.startswith("UNAUTHENTICATED: ")
    node = node_client(*call, "--token", secrets["lp-a"])
    assert node.returncode == 0 and '"decision": "DECISION_ALLOW"' in node.stdout, node.stderr
    other = node_client(*call[:3], "LP-B", *call[4:], "--token", secrets["lp-a"])
    assert other.returncode == 2 and other.stderr.startswith("PERMISSION_DENIED: client lp-a may not screen")
