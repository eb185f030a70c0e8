"""Decision-log retention through the real CLI and server: old decisions
deleted, archived first when asked, never those the behavioural rules need."""

import dataclasses
import json
import os
import stat
import time
import urllib.request

import pytest

from screening.domain.engine import ScreeningEngine
from screening.domain.lists import ListSnapshot
from screening.domain.model import ScreenRequest
from screening.domain.policy import build_policy_set
from screening.adapters.sqlite.decision_log import SqliteDecisionLog
from screening.v1 import screening_pb2 as pb

from decision_calls import log_call

pytestmark = pytest.mark.e2e

DAY = 86400


def log_path(database):
    return database.with_name(f"{database.stem}-decisions.db")


def logged(database, ages_in_days):
    """One decision made that many days ago for each age, written to the decision log the server uses."""
    engine = ScreeningEngine(build_policy_set(), ListSnapshot(1))
    with SqliteDecisionLog(log_path(database)) as log:
        for n, days in enumerate(ages_in_days):
            request = ScreenRequest(f"old-{n}", "LP-A", "A-1", "0812-3456-7890", called_party_name="Ibu Siti")
            log_call(log, request, dataclasses.replace(engine.screen(request), at=time.time() - days * DAY))


def kept_calls(database):
    with SqliteDecisionLog(log_path(database)) as log:
        return sorted(call_id for call_id in (f"old-{n}" for n in range(10)) if log.find("LP-A", call_id))


def test_prune_archives_then_deletes_the_old_decisions(cli, database, tmp_path):
    cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "r")  # creates the database
    logged(database, [400, 200, 31, 29, 1, 0])
    assert "would delete 3 decisions" in cli("decisions", "prune", "--older-than-days", "30", "--dry-run").stdout
    assert kept_calls(database) == [f"old-{n}" for n in range(6)]

    archive = tmp_path / "decisions-2026.jsonl"
    out = cli("decisions", "prune", "--older-than-days", "30", "--archive", str(archive)).stdout
    assert "deleted 3 decisions" in out and str(archive) in out
    assert kept_calls(database) == ["old-3", "old-4", "old-5"]
    lines = [json.loads(line) for line in archive.read_text("utf-8").splitlines()]
    assert [d["call_id"] for d in lines] == ["old-0", "old-1", "old-2"]
    assert lines[0]["called_party_name"] == "Ibu Siti" and lines[0]["findings"]
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600


def test_prune_refuses_what_it_must_not_do(cli, database, tmp_path):
    cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "r")
    logged(database, [400, 0])
    # The shared-number rule looks back a day: today's decisions stay.
    refused = cli("decisions", "prune", "--older-than-days", "0", check=False)
    assert refused.returncode == 1
    assert "--older-than-days: 0 days would delete decisions the behavioural rules still look at" in refused.stderr
    archive = tmp_path / "earlier.jsonl"
    archive.write_text("an earlier archive\n")
    refused = cli("decisions", "prune", "--older-than-days", "30", "--archive", str(archive), check=False)
    assert refused.returncode == 1 and "already exists" in refused.stderr
    assert archive.read_text() == "an earlier archive\n"
    assert kept_calls(database) == ["old-0", "old-1"]


def test_the_server_deletes_decisions_past_its_retention(cli, database, start_server):
    cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "r")
    logged(database, [400, 100, 2, 0])
    server = start_server(env={"SCREENING_DECISION_RETENTION_DAYS": "90"})
    deadline = time.monotonic() + 10
    while kept_calls(database) != ["old-2", "old-3"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert kept_calls(database) == ["old-2", "old-3"]
    # Still answering, and logging: the family number is allowed, and its decision kept.
    assert server.screen("0812-3456-7890", call_id="after-prune").decision == pb.DECISION_ALLOW
    with SqliteDecisionLog(log_path(database)) as log:
        assert log.find("LP-CIPINANG", "after-prune").screening.decision.name == "ALLOW"
    with urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=5) as response:
        metrics = response.read().decode()
    assert "screening_decisions_pruned_total 2.0" in metrics
    code, output = server.stop()
    assert code == 0 and "deleted 2 decisions older than 90 days" in output, output
