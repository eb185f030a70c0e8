"""The sample files of examples/ work as the README says: each import file
imports with the CLI, every row of it, and the sample config serves."""

import json
import re
import textwrap
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format

from screening.v1 import screening_pb2 as pb

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# file, list, extra flags, rows (= entries added)
IMPORTS = [
    ("import/blocklist.csv", "blocklist", [], 6),
    ("import/blocklist.txt", "blocklist", ["--reason", "LP/B/124/XI/2026"], 3),
    ("import/allowlist.csv", "allowlist", [], 4),
    ("import/watchlist.csv", "watchlist", [], 4),
    ("import/privileged.csv", "privileged", [], 4),
]


@pytest.mark.parametrize("name, list_name, flags, rows", IMPORTS, ids=[i[0] for i in IMPORTS])
def test_each_sample_file_imports_every_row(cli, name, list_name, flags, rows):
    path = str(EXAMPLES / name)
    dry = cli(list_name, "import", path, *flags, "--dry-run").stdout
    assert f"{rows} rows" in dry and f"would add: {rows}\n" in dry and "invalid: 0\n" in dry, dry
    done = cli(list_name, "import", path, *flags)
    assert f"added: {rows}\n" in done.stdout and done.stderr == "", done.stdout + done.stderr
    assert len(json.loads(cli(list_name, "list", "--format", "json").stdout)) == rows


def test_the_sample_blocklist_decides_calls(cli):
    """The police report's rows mean what their comments say."""
    cli("blocklist", "import", str(EXAMPLES / "import/blocklist.csv"))
    pattern = cli("check", "--facility", "LP-CIPINANG", "--inmate", "A-1", "--number", "0857-1234-5699").stdout
    assert "BLOCKED_PATTERN" in pattern
    witness = cli("check", "--facility", "LP-CIPINANG", "--inmate", "A-1", "--number", "0812-5555-6666").stdout
    assert "REVIEW BLOCKED_NUMBER" in witness
    elsewhere = cli("check", "--facility", "LP-SALEMBA", "--inmate", "A-1", "--number", "0812-5555-6666").stdout
    assert "BLOCKED_NUMBER" not in elsewhere  # the witness entry is scoped to LP-CIPINANG


def test_the_sample_config_serves(start_server):
    server = start_server("--config", str(EXAMPLES / "screening.toml"))
    assert server.screen("0812-3456-7890").decision == 3  # DENY: nobody is approved yet


def calling_section() -> str:
    readme = (EXAMPLES.parent / "README.md").read_text("utf-8")
    return readme[readme.index("## Calling the service"):readme.index("## Phone numbers")]


def test_the_readme_grpcurl_request_is_answered(cli, start_server):
    """The grpcurl line's request and method, sent as grpcurl would send them."""
    line = next(line for line in calling_section().splitlines() if line.startswith("grpcurl "))
    payload, method = re.search(r"-d '(\{.*\})' 127\.0\.0\.1:50051 (\S+)$", line).groups()
    assert method == "screening.v1.CallScreeningService/ScreenCall"
    request = json_format.Parse(payload, pb.ScreenCallRequest())  # unknown fields are an error
    cli("allowlist", "add", request.inmate_id, request.dialed_number, "--name", request.called_party_name,
        "--reason", "visit")
    assert start_server().stub.ScreenCall(request, timeout=10).decision == pb.DECISION_ALLOW


def test_the_readme_bad_request_snippet_names_the_field(start_server):
    snippet = textwrap.dedent(re.search(r"```python\n(.*?)```", calling_section(), re.S)[1])
    imports, handler = snippet.split("\nexcept grpc.RpcError as error:\n")
    server = start_server()
    printed = []
    try:
        server.stub.ScreenCall(pb.ScreenCallRequest(call_id="c", facility_id="F", inmate_id="I"), timeout=10)
    except grpc.RpcError as error:
        body = "\n".join(line[4:] for line in handler.splitlines())
        exec(imports + "\n" + body, {"grpc": grpc, "error": error, "print": lambda *a: printed.append(a)})
    assert [field for field, _ in printed] == ["dialed_number"]
