"""The README's investigation case, run as written: a police report
imported, a console watching, an inmate dialling one of its numbers, and the
report's hits. The commands are the README's own; only the server's address
(a free port here) is added."""

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
SECTION = (ROOT / "README.md").read_text("utf-8").split("### A case, end to end", 1)[1].split("\n### ", 1)[0]

pytestmark = pytest.mark.e2e


def block(kind: str) -> str:
    return re.search(rf"```{kind}\n(.*?)```", SECTION, re.S)[1]


def commands() -> list[list[str]]:
    return [shlex.split(line.split("    #")[0]) for line in block("sh").splitlines() if line.strip()]


def test_the_case_runs_as_written(cli, start_server, tmp_path):
    imported, console, call, hits, attempts = commands()
    assert [imported[:3], console[:2], call[:2], hits[:3], attempts[:3]] == [
        ["screening", "blocklist", "import"], ["python", "examples/watch_console.py"],
        ["python", "examples/screen_call.py"], ["screening", "report", "hits"], ["screening", "decisions", "list"]]
    (tmp_path / imported[3]).write_text(block("csv"))
    cli(*imported[1:3], str(tmp_path / imported[3]), *imported[4:])
    server = start_server()
    target = ["--target", f"127.0.0.1:{server.port}"]
    watching = subprocess.Popen([sys.executable, str(ROOT / console[1]), *console[2:], *target, "--count", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        answer = _call_once_watched(call, target, server, watching)
        event = json.loads(watching.communicate(timeout=20)[0])
    finally:
        watching.kill()
    assert answer["decision"] == "DECISION_DENY"
    assert answer["findings"][0]["entryId"] == "blocklist:1"
    assert event["request"]["callId"] == answer["callId"] and event["response"]["decision"] == "DECISION_DENY"
    assert event["request"]["inmateId"] == "A-002"
    _hits_as_shown(cli(*hits[1:]).stdout)
    [row] = cli(*attempts[1:]).stdout.splitlines()[1:]
    assert row.split()[2:6] == ["A-002", "+6281277771234", "Bapak", "Hendra"] and answer["callId"] in row
    assert "report hits" in cli("audit").stdout


def _call_once_watched(call, target, server, watching) -> dict:
    """The README's call, once the console is watching (its stream is open
    when the server counts it)."""
    for _ in range(100):
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics").read().decode()
        if re.search(r"^screening_feed_subscribers 1\.0$", metrics, re.M):
            break
        assert watching.poll() is None, watching.communicate()
        time.sleep(0.1)
    else:
        raise AssertionError("the console never started watching")
    done = subprocess.run([sys.executable, str(ROOT / call[1]), *call[2:], *target], capture_output=True,
                          text=True, timeout=30)
    return json.loads(done.stdout)


def _hits_as_shown(output: str) -> None:
    """The columns the README shows, value for value ("..." stands for the cut ones)."""
    table = re.search(r"```\n(ENTRY.*?)```", SECTION, re.S)[1].splitlines()
    shown = [_cells(table[0], line) for line in table]
    lines = output.splitlines()
    got = [_cells(lines[0], line) for line in lines]
    columns = [c for c in shown[0] if c != "..."]
    assert [[row[got[0].index(c)] for c in columns] for row in got] == [
        [row[shown[0].index(c)] for c in columns] for row in shown]


def _cells(header: str, line: str) -> list[str]:
    """A table row's cells, by the header's column starts (a cell may be empty)."""
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    return [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None])]
