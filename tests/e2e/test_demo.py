"""`screening demo` as a newcomer runs it: a subprocess that seeds a store,
runs the real server, screens the sample calls and leaves nothing behind."""

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import Cli

pytestmark = pytest.mark.e2e

# call id -> (decision, reasons its findings must include)
EXPECTED = {
    "demo-1": ("ALLOW", ["ALLOWLISTED"]),
    "demo-2": ("ALLOW", ["PRIVILEGED"]),
    "demo-3": ("DENY", ["BLOCKED_NUMBER"]),
    "demo-4": ("DENY", ["BLOCKED_PATTERN"]),
    "demo-5": ("DENY", ["NOT_ON_ALLOWLIST"]),
    "demo-6": ("REVIEW", ["WATCHLIST_MATCH"]),
    "demo-7": ("REVIEW", ["CONTACT_NAME_MISMATCH"]),
    "demo-8": ("DENY", ["WATCHLIST_MATCH"]),
    "demo-9": ("DENY", ["OUTSIDE_HOURS"]),
}


def demo_env(tmp_path: Path) -> dict:
    """The demo with its own TMPDIR, to see what it leaves there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")}
    env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir(exist_ok=True)
    # A variable the demo server must not see: it would put the demo's lists into this shell's database.
    env["SCREENING_DATABASE"] = str(tmp_path / "elsewhere.db")
    return env


def run_demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "screening.cli", "demo", *args], capture_output=True, text=True,
                          env=demo_env(tmp_path), timeout=180)


def decisions(stdout: str) -> dict[str, tuple[str, list[str]]]:
    """Each call's decision and the reasons listed under it."""
    found: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in stdout.splitlines():
        if match := re.match(r"(demo-\d+)\s.*\s(ALLOW|REVIEW|DENY)\s", line):
            current = match[1]
            found[current] = (match[2], [])
        elif current and (match := re.match(r"\s+(ALLOW|REVIEW|DENY)\s+([A-Z_]+):", line)):
            found[current][1].append(match[2])
    return found


def demo_processes(marker: str) -> list[str]:
    """Command lines of running processes that mention the demo's folder."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if proc.name.isdigit() and marker in cmdline:
            found.append(cmdline)
    return found


def test_demo_shows_each_outcome_and_cleans_up(tmp_path):
    result = run_demo(tmp_path)
    assert result.returncode == 0, result.stderr
    found = decisions(result.stdout)
    assert set(found) == set(EXPECTED), result.stdout
    for call, (decision, reasons) in EXPECTED.items():
        assert found[call][0] == decision, (call, result.stdout)
        assert set(reasons) <= set(found[call][1]), (call, result.stdout)
    # The privileged call shows neither its number nor whom it called.
    privileged = next(line for line in result.stdout.splitlines() if line.startswith("demo-2"))
    assert "(privileged)" in privileged and "LBH" not in result.stdout and "5551234" not in result.stdout
    assert "record: NO" in result.stdout
    assert "LP/B/123/XI/2026" not in result.stderr  # seeding is quiet: no warnings
    assert list((tmp_path / "tmp").iterdir()) == []  # the store and its config are gone
    assert not (tmp_path / "elsewhere.db").exists()
    assert demo_processes(str(tmp_path / "tmp")) == []  # and so is the server


def test_demo_keep_leaves_a_private_store_the_cli_reads(tmp_path):
    kept = tmp_path / "kept"
    result = run_demo(tmp_path, "--keep", str(kept))
    assert result.returncode == 0, result.stderr
    assert f"screening serve --config {kept / 'screening.toml'}" in result.stdout
    assert stat.S_IMODE(kept.stat().st_mode) == 0o700
    rows = json.loads(Cli(kept / "screening.db")("blocklist", "list", "--format", "json").stdout)
    assert {row["source"] for row in rows} == {"LP/B/123/XI/2026"} and len(rows) == 4
    decided = Cli(kept / "screening.db")("decisions", "list", "--format", "json").stdout
    assert {row["call_id"] for row in json.loads(decided)} == set(EXPECTED)
    assert demo_processes(str(kept)) == []


def test_demo_keep_refuses_an_existing_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    result = run_demo(tmp_path, "--keep", str(tmp_path / "mine"))
    assert result.returncode == 1
    assert result.stderr.startswith("screening: error:") and "exists" in result.stderr
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_ctrl_c_stops_the_server_and_removes_the_store(tmp_path):
    """Ctrl-C at a terminal: SIGINT to the demo and its server (one process
    group), sent once the server is running. The demo starts with SIGINT's
    default action, as from a terminal: run from a background job (CI
    scripts often are), a process inherits SIGINT ignored, and Python then
    never raises KeyboardInterrupt."""
    demo = subprocess.Popen([sys.executable, "-m", "screening.cli", "demo"], env=demo_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    marker = str(tmp_path / "tmp")
    while demo.poll() is None and not any(" serve " in p for p in demo_processes(marker)):
        time.sleep(0.01)  # the server is started about a second before the first call
    os.killpg(demo.pid, signal.SIGINT)
    out, err = demo.communicate(timeout=60)
    assert demo.returncode == 130, out + err
    assert list((tmp_path / "tmp").iterdir()) == []
    assert demo_processes(marker) == []
