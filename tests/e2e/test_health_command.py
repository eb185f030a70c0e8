"""`screening health` against the real server: the image's HEALTHCHECK."""

import socket

import pytest

from screening.cli.health import default_address
from test_tls import ca, tls_env  # noqa: F401 (ca: a fixture)

pytestmark = pytest.mark.e2e


def health(cli, *args, env=None):
    cli.env = env or {}
    return cli("health", *args, check=False)


def test_a_serving_server_exits_0(cli, start_server):
    server = start_server()
    result = health(cli, "--address", f"127.0.0.1:{server.port}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"127.0.0.1:{server.port}: SERVING"


def test_the_default_address_is_the_listen_setting_with_a_wildcard_host_as_loopback(cli, start_server):
    server = start_server()
    result = health(cli, env={"SCREENING_LISTEN": f"0.0.0.0:{server.port}"})
    assert result.returncode == 0, result.stderr
    assert f"127.0.0.1:{server.port}: SERVING" in result.stdout
    assert default_address("[::]:50051") == "[::1]:50051"
    assert default_address("10.0.0.5:50051") == "10.0.0.5:50051"


def test_a_stopped_server_exits_1_naming_the_address(cli, start_server):
    server = start_server()
    port = server.port
    server.stop()
    result = health(cli, "--address", f"127.0.0.1:{port}", "--timeout", "2")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"screening: health: 127.0.0.1:{port}: "), result.stderr
    assert "UNAVAILABLE" in lines[0] or "DEADLINE_EXCEEDED" in lines[0]


def test_nothing_listening_exits_1(cli):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = health(cli, "--address", f"127.0.0.1:{port}", "--timeout", "2")
    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in result.stderr


def test_an_unknown_service_exits_1_and_a_known_part_exits_0(cli, start_server):
    server = start_server()
    address = f"127.0.0.1:{server.port}"
    result = health(cli, "--address", address, "--service", "no.such.Service")
    assert result.returncode == 1
    assert result.stderr.startswith(f"screening: health: {address} (service 'no.such.Service'): unknown service")
    known = health(cli, "--address", address, "--service", "screening.v1.CallScreeningService")
    assert known.returncode == 0, known.stderr


@pytest.fixture
def tls_server(ca, start_server):
    cert, key = ca.server()
    key.chmod(0o600)
    kiosk = ca.client()
    return start_server(env=tls_env(cert, key, ca.cert)), kiosk


def test_tls_with_client_certificates(cli, ca, tls_server):
    server, (kiosk_cert, kiosk_key) = tls_server
    address = f"127.0.0.1:{server.port}"
    tls = ("--tls-ca", str(ca.cert), "--tls-cert", str(kiosk_cert), "--tls-key", str(kiosk_key))
    result = health(cli, "--address", address, *tls)
    assert result.returncode == 0, result.stderr
    without_certificate = health(cli, "--address", address, "--tls-ca", str(ca.cert), "--timeout", "3")
    assert without_certificate.returncode == 1
    assert address in without_certificate.stderr
    plaintext = health(cli, "--address", address, "--timeout", "3")
    assert plaintext.returncode == 1


def test_half_a_client_certificate_is_refused(cli, ca):
    result = health(cli, "--tls-ca", str(ca.cert), "--tls-cert", str(ca.cert))
    assert result.returncode == 1
    assert result.stderr.strip() == "screening: error: --tls-cert and --tls-key: give both (a client certificate) " \
                                    "or neither"
