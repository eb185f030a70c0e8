"""examples/node/screen_call.js, the Node.js client written from the .proto
alone, against a real server: installed from the npm registry into a
temporary folder (skipped where node or npm is not on the machine)."""

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "node"
PROTO = ROOT / "proto" / "screening" / "v1" / "screening.proto"


@pytest.fixture(scope="module")
def node_client(tmp_path_factory):
    """The example, with its dependencies, in a folder of its own."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are not on this machine")
    folder = tmp_path_factory.mktemp("node-client")
    for name in ("package.json", "screen_call.js"):
        shutil.copy(EXAMPLE / name, folder / name)
    installed = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=folder,
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr

    def run(*args):
        return subprocess.run(["node", str(folder / "screen_call.js"), "--proto", str(PROTO), *args],
                              capture_output=True, text=True, timeout=60)

    return run


def test_the_node_client_screens_calls(node_client, cli, start_server):
    cli("allowlist", "add", "A-001", "0812-3456-7890", "--name", "Siti Aminah", "--reason", "visit")
    cli("privileged", "add", "(021) 555-1234", "--name", "LBH Jakarta", "--kind", "legal-aid", "--reason", "r")
    server = start_server()
    target = ["--target", f"127.0.0.1:{server.port}", "--facility", "LP-CIPINANG", "--inmate", "A-001"]
    allowed = node_client(*target, "--number", "0812-3456-7890", "--name", "Siti Aminah", "--call-id", "node-1")
    assert allowed.returncode == 0, allowed.stderr
    answer = json.loads(allowed.stdout)
    assert answer["call_id"] == "node-1" and answer["decision"] == "DECISION_ALLOW" and answer["record"] is True
    assert [f["reason"] for f in answer["findings"]] == ["REASON_ALLOWLISTED"]
    assert answer["normalized_number"] == "+6281234567890" and answer["max_duration_seconds"] == 900

    privileged = json.loads(node_client(*target, "--number", "021 5551234").stdout)
    assert privileged["decision"] == "DECISION_ALLOW" and privileged["record"] is False
    denied = json.loads(node_client(*target, "--number", "0819-4444-5555").stdout)
    assert denied["decision"] == "DECISION_DENY" and denied["max_duration_seconds"] == 0
    # A retry with the same call_id is the same call: the first answer, whatever came since.
    cli("allowlist", "remove", "A-001", "0812-3456-7890", "--reason", "withdrawn")
    again = json.loads(node_client(*target, "--number", "0812-3456-7890", "--name", "Siti Aminah",
                                   "--call-id", "node-1").stdout)
    assert again["decision"] == "DECISION_ALLOW" and again["list_version"] == answer["list_version"]


def test_the_node_client_fails_closed(node_client, start_server):
    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = node_client("--target", f"127.0.0.1:{port}", "--facility", "F", "--inmate", "I", "--number", "0812",
                         "--deadline-ms", "300")
    assert result.returncode == 2 and "do not connect the call" in result.stderr and result.stdout == ""
    bad = node_client("--target", f"127.0.0.1:{start_server().port}", "--facility", "F", "--inmate", "I",
                      "--number", "call me")
    assert bad.returncode == 2 and bad.stderr.startswith("INVALID_ARGUMENT")
