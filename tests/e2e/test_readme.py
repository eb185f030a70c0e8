"""The README's walkthrough, run as written: its commands work, `check`
prints what the README shows, and against a live server the calls, the
Prometheus scrape and the block that changes the next decision come out as
the README says. Only the server's addresses (free ports here) are added."""

import json
import re
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
SECTION = README[README.index("### Walkthrough"):README.index("\n## The API")]

pytestmark = pytest.mark.e2e


def blocks(kind: str) -> list[str]:
    """The section's code blocks of one kind ("sh", or "" for output), in order."""
    return [body for fence, body in re.findall(r"^```(\w*)\n(.*?)^```$", SECTION, re.S | re.M) if fence == kind]


def lines(block: str) -> list[list[str]]:
    return [shlex.split(line.split("  #")[0]) for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def test_the_quickstart_server_starts_as_written(cli, start_server):
    quickstart = README[README.index("## Quickstart"):README.index("### Walkthrough")]
    command = re.search(r"^```sh\n(.*?)\n```$", quickstart, re.S | re.M).group(1).split(" && ")[-1]
    program, serve, *flags = shlex.split(command)
    assert (program, serve) == (".venv/bin/screening", "serve")
    server = start_server(*flags, env={"SCREENING_ALLOW_UNAUTHENTICATED": "0"})  # the flags alone
    assert "anyone who can reach" in "".join(server.log)


def test_the_walkthrough_runs_as_written(cli, start_server):
    activate, *lists = lines(blocks("sh")[0])
    calls, scrape, prometheus, blocking, _audit = (lines(block) for block in blocks("sh")[1:])
    assert prometheus[2][0] == "prometheus"  # run by test_prometheus_scrape.py
    assert activate == [".", ".venv/bin/activate"]
    assert [command[:3] for command in lists] == [
        ["screening", "allowlist", "add"], ["screening", "privileged", "add"], ["screening", "blocklist", "add"],
        ["screening", "allowlist", "list"], ["screening", "check", "--facility"]]
    outputs = [cli(*command[1:]).stdout for command in lists]
    assert outputs[-1] == blocks("")[0]
    assert "Ibu Siti" in outputs[3] and "mother" in outputs[3]

    server = start_server()
    family, lawyer = (_screen(command, server) for command in calls)
    assert (family["decision"], family["findings"][0]["reason"]) == ("DECISION_ALLOW", "REASON_ALLOWLISTED")
    assert (lawyer["decision"], lawyer["findings"][0]["reason"], lawyer["record"]) == (
        "DECISION_ALLOW", "REASON_PRIVILEGED", False)

    [[curl, *_, url, _pipe, _grep, pattern]] = scrape
    assert (curl, url) == ("curl", "127.0.0.1:9464/metrics")
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics").read().decode()
    scraped = [line for line in metrics.splitlines() if re.match(pattern, line)]
    assert "\n".join(scraped) + "\n" == blocks("")[1]

    block, call = blocking
    assert block[:3] == ["screening", "blocklist", "add"] and call[1] == "examples/screen_call.py"
    warned = cli(*block[1:]).stderr
    assert "is on the approved lists of 1 inmate(s): A-001" in warned
    assert _first_answer_after_reload(call, server)["findings"][0]["reason"] == "REASON_BLOCKED_NUMBER"


def _screen(command: list[str], server) -> dict:
    assert command[:2] == ["python", "examples/screen_call.py"]
    done = subprocess.run([sys.executable, str(ROOT / command[1]), *command[2:], "--target",
                           f"127.0.0.1:{server.port}"], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


def _first_answer_after_reload(call: list[str], server) -> dict:
    """The call's answer once the server has the block: it checks the lists'
    version every reload_interval (0.25 s), so within a second or so."""
    deadline = time.monotonic() + 10
    while (answer := _screen(call, server))["decision"] != "DECISION_DENY":
        assert time.monotonic() < deadline, f"the block never reached the server: {answer}"
        time.sleep(0.1)
    return answer
