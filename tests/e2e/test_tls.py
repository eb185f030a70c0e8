"""TLS and mutual TLS on the real server, with certificates made by openssl."""

import os
import subprocess
import sys
import time
import uuid

import grpc
import pytest

from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc

pytestmark = pytest.mark.e2e

NUMBER = "0812-3456-7890"


class Authority:
    """A throwaway CA that issues server and client certificates."""

    def __init__(self, folder, name):
        self.folder, self.name = folder, name
        self.key, self.cert = folder / f"{name}-ca.key", folder / f"{name}-ca.pem"
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", self.key, "-out", self.cert, "-days", "2", "-subj", f"/CN={name} test CA")

    def issue(self, name, extensions):
        key, csr, cert = (self.folder / f"{self.name}-{name}.{ext}" for ext in ("key", "csr", "pem"))
        config = self.folder / f"{self.name}-{name}.ext"
        config.write_text(extensions + "\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                "-out", csr, "-subj", f"/CN={name}")
        openssl("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key, "-CAcreateserial", "-out", cert,
                "-days", "2", "-extfile", config)
        return cert, key

    def server(self):
        return self.issue("server", "subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth")

    def client(self):
        return self.issue("kiosk", "extendedKeyUsage = clientAuth")


def openssl(*args):
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=30)


@pytest.fixture
def ca(tmp_path):
    return Authority(tmp_path, "facility")


@pytest.fixture
def lists(cli):
    cli("allowlist", "add", "A-1", NUMBER, "--name", "Ibu Siti", "--reason", "r")


def screen(port, ca=None, cert=None, key=None):
    """One call over a new TLS channel (or plaintext without a CA): the decision, or the error's code."""
    read = lambda path: path.read_bytes() if path else None  # noqa: E731
    if ca is None:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    else:
        channel = grpc.secure_channel(f"127.0.0.1:{port}", grpc.ssl_channel_credentials(read(ca), read(key),
                                                                                          read(cert)))
    with channel:
        stub = screening_pb2_grpc.CallScreeningServiceStub(channel)
        request = pb.ScreenCallRequest(call_id=f"c-{uuid.uuid4().hex}", facility_id="LP-A", inmate_id="A-1",
                                       dialed_number=NUMBER)
        try:
            return pb.Decision.Name(stub.ScreenCall(request, timeout=5).decision)
        except grpc.RpcError as error:
            return error.code()


def tls_env(cert, key, client_ca=None):
    env = {"SCREENING_TLS_CERT": str(cert), "SCREENING_TLS_KEY": str(key)}
    if client_ca:
        env["SCREENING_TLS_CLIENT_CA"] = str(client_ca)
    return env


def test_a_tls_server_answers_tls_clients_only(ca, lists, start_server):
    cert, key = ca.server()
    key.chmod(0o644)
    server = start_server(env=tls_env(cert, key))
    assert "(TLS, unauthenticated)" in "".join(server.log)
    assert f"tls_key: {key} can be read by other users (mode 644)" in "".join(server.log)
    assert screen(server.port, ca.cert) == "DECISION_ALLOW"
    assert screen(server.port) is grpc.StatusCode.UNAVAILABLE  # plaintext
    stranger = Authority(ca.folder, "elsewhere")
    assert screen(server.port, stranger.cert) is grpc.StatusCode.UNAVAILABLE  # a server it cannot verify


def test_mutual_tls_refuses_clients_without_a_certificate_from_the_client_ca(ca, lists, start_server):
    cert, key = ca.server()
    key.chmod(0o600)
    server = start_server(env=tls_env(cert, key, ca.cert))
    assert "(TLS, client certificates required)" in "".join(server.log)
    assert "can be read by other users" not in "".join(server.log)
    kiosk_cert, kiosk_key = ca.client()
    assert screen(server.port, ca.cert, kiosk_cert, kiosk_key) == "DECISION_ALLOW"
    assert screen(server.port, ca.cert) is grpc.StatusCode.UNAVAILABLE
    stranger_cert, stranger_key = Authority(ca.folder, "elsewhere").client()
    assert screen(server.port, ca.cert, stranger_cert, stranger_key) is grpc.StatusCode.UNAVAILABLE


def test_a_rotated_certificate_is_served_without_a_restart(ca, lists, start_server, tmp_path):
    cert, key = tmp_path / "tls.pem", tmp_path / "tls.key"
    old_cert, old_key = ca.server()
    os.replace(old_cert, cert)
    os.replace(old_key, key)
    server = start_server(env=tls_env(cert, key))
    assert screen(server.port, ca.cert) == "DECISION_ALLOW"

    renewed = Authority(ca.folder, "renewed")
    new_cert, new_key = renewed.server()
    time.sleep(0.01)  # a later modification time, even on a coarse clock
    os.replace(new_key, key)
    os.replace(new_cert, cert)
    assert screen(server.port, renewed.cert) == "DECISION_ALLOW"
    assert screen(server.port, ca.cert) is grpc.StatusCode.UNAVAILABLE
    code, output = server.stop()
    assert code == 0 and "TLS certificate files changed: serving the new certificate" in output


@pytest.mark.parametrize("problem", ["no key", "someone else's key", "missing file", "not PEM", "CA without TLS"])
def test_bad_tls_settings_stop_the_server_with_a_clear_error(ca, lists, database, tmp_path, problem):
    cert, key = ca.server()
    _, other_key = Authority(ca.folder, "other").server()
    text = tmp_path / "notes.txt"
    text.write_text("not a certificate\n")
    env, expected = {
        "no key": ({"SCREENING_TLS_CERT": str(cert)}, "tls_cert and tls_key: set both (TLS) or neither"),
        "someone else's key": (tls_env(cert, other_key), "are not a certificate and its private key"),
        "missing file": (tls_env(tmp_path / "gone.pem", key), "tls_cert: cannot read"),
        "not PEM": (tls_env(cert, key, text), "tls_client_ca:"),
        "CA without TLS": ({"SCREENING_TLS_CLIENT_CA": str(ca.cert)}, "tls_client_ca: client certificates need TLS"),
    }[problem]
    result = subprocess.run([sys.executable, "-m", "screening.cli", "serve", "--database", str(database),
                             "--listen", "127.0.0.1:0", "--metrics-listen", ""],
                            capture_output=True, text=True, timeout=30,
                            env={**{k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")}, **env})
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr
