"""`screening report ...` and `screening decisions show` from the CLI, on a
decision log a real server wrote, on both backends (test_investigations'
`served`): what each report says, its files (0600, whole or not at all),
the CSV formula guard, DOT and SVG, the audit entries, and privileged calls
that show nothing anywhere."""

import csv
import io
import json
import os
import pwd
import stat
import subprocess

import pytest

from programs import program
from test_investigations import FAMILY, FRAUD, LAWYER, served  # noqa: F401 (the fixture)

pytestmark = pytest.mark.e2e

# Who the CLI says runs it on SQLite (adapters/sqlite/store.py os_identity): the tests' own user.
IDENTITY = os.environ.get("SUDO_USER") or pwd.getpwuid(os.getuid()).pw_name
SECRET = ("+62215551234", "Pengacara", "LBH")  # the privileged call's number and names
TRICKY = 'Siti "Bos" \\ ]; x=1 ['  # a name that would break an unescaped DOT label


def dot_program() -> str:
    return program("dot", "graphviz", "SCREENING_REQUIRE_DOT")


def audited(cli):
    return [e for e in json.loads(cli("audit", "--format", "json").stdout) if e["action"] == "report"]


def test_hits_for_a_police_report_go_to_an_owner_only_file(served, tmp_path):
    target = tmp_path / "out" / "hits.csv"
    target.parent.mkdir()
    served("report", "hits", "--source", "LP/B/123/XI/2026", "--format", "csv", "--output", str(target),
           "--actor", "inspector.rina", "--reason", "case 2026/44")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(target.parent) == ["hits.csv"]  # no temporary file beside it
    rows = {r["entry"]: r for r in csv.DictReader(io.StringIO(target.read_text()))}
    assert set(rows) == {"blocklist:1", "blocklist:2"}
    fraud = rows["blocklist:1"]
    assert (fraud["attempts"], fraud["inmates"], fraud["inmate_ids"], fraud["facility_ids"], fraud["deny"]) == (
        "2", "2", "A-1; B-2", "LP-CIPINANG; LP-SALEMBA", "2")
    assert fraud["pattern"] == FRAUD and fraud["source"] == "LP/B/123/XI/2026"
    assert fraud["first_at"] <= fraud["last_at"] and rows["blocklist:2"]["attempts"] == "1"
    [entry] = audited(served)
    # The identity: the OS user on SQLite, the login role on PostgreSQL; --actor is a display name.
    identity = "postgres" if str(served.database).startswith("postgresql:") else IDENTITY
    assert (entry["actor"], entry["reason"], entry["list"]) == (identity, "case 2026/44", "")
    assert entry["details"] == {"display_name": "inspector.rina", "report": "hits", "filters": {"source": "LP/B/123/XI/2026"}, "format": "csv",
                                "output": str(target), "rows": 2}
    assert "report hits" in served("audit").stdout
    assert "change log intact" in served("audit", "verify").stdout


def test_a_file_is_never_overwritten_unless_forced_and_a_failed_report_leaves_none(served, tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    target = out / "report.json"
    target.write_text("earlier work")
    refused = served("report", "shared-numbers", "--output", str(target), check=False)
    assert refused.returncode == 1 and "already exists" in refused.stderr and target.read_text() == "earlier work"
    served("report", "shared-numbers", "--format", "json", "--output", str(target), "--force")
    assert json.loads(target.read_text())["report"] == "shared-numbers"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    failed = served("report", "links", "--number", LAWYER, "--output", str(out / "links.dot"), check=False)
    assert failed.returncode == 1 and "privileged" in failed.stderr
    missing = served("report", "hits", "--output", str(out / "nowhere" / "hits.csv"), check=False)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    assert os.listdir(out) == ["report.json"]  # nothing of the failed ones, no temporary file
    assert len(audited(served)) == 1  # the refused and the failed reports were not audited either


def test_csv_cells_a_spreadsheet_would_run_are_neutralized(served):
    served("allowlist", "add", "=HYPERLINK(1)", FAMILY, "--name", "@SUM(A1)", "--reason", "test")
    shared = served("report", "shared-numbers", "--format", "csv").stdout
    [row] = [r for r in csv.DictReader(io.StringIO(shared)) if r["number"] == FAMILY]
    assert row["inmate_ids"] == "'=HYPERLINK(1); A-1" and row["names"].startswith("'=HYPERLINK(1): @SUM(A1)")
    links = served("report", "links", "--number", FAMILY, "--format", "csv").stdout
    assert "'=HYPERLINK(1)" in links and "\n=HYPERLINK" not in links
    assert f"{FAMILY}," in shared  # numbers stay importable


def test_the_inmate_report_and_shared_numbers(served):
    report = json.loads(served("report", "inmate", "B-2", "--format", "json").stdout)
    [summary] = report["tables"]["summary"]
    assert (summary["attempts"], summary["deny"], summary["allow"], summary["privileged_calls"]) == (3, 2, 0, 1)
    assert {r["number"] for r in report["tables"]["numbers"]} == {FRAUD, "+6281111111111"}
    assert [(r["number"], r["other_inmates"]) for r in report["tables"]["shared"]] == [(FRAUD, ["A-1"])]
    assert {r["reason"]: r["denied"] for r in report["tables"]["reasons"]} == {"BLOCKED_NUMBER": 2,
                                                                               "NOT_ON_ALLOWLIST": 2}
    shared = json.loads(served("report", "shared-numbers", "--format", "json").stdout)["tables"]["shared-numbers"]
    assert [(r["number"], r["inmate_ids"], r["called_by"]) for r in shared] == [(FRAUD, ["A-1", "B-2"], 2)]
    table = served("report", "inmate", "A-1").stdout
    assert "== contacts ==" in table and "Ibu Siti" in table and "== shared ==" in table


def test_links_as_dot_that_graphviz_reads_back_and_as_svg(served, tmp_path):
    served("allowlist", "add", "B-2", FRAUD, "--name", TRICKY, "--reason", "test")
    dot = served("report", "links", "--number", FRAUD, "--hops", "2", "--format", "dot").stdout
    assert dot.startswith("graph links {") and LAWYER not in dot
    parsed = json.loads(subprocess.run([dot_program(), "-Tjson"], input=dot, capture_output=True, text=True,
                                       check=True).stdout)
    labels = {o["name"]: o["label"] for o in parsed["objects"]}
    assert sorted(labels.values()) == sorted([FRAUD, "A-1", "B-2", FAMILY, "+6281111111111"])
    edges = [e["label"] for e in parsed["edges"]]
    assert TRICKY.replace("\\", "\\\\") + "\\n1 call" in edges  # one label, escaped: nothing got out of it
    assert all("x" not in e for e in parsed["edges"])
    target = tmp_path / "links.svg"
    served("report", "links", "--inmate", "B-2", "--format", "svg", "--output", str(target))
    svg = target.read_text()
    assert svg.startswith("<?xml") and "<svg" in svg and "Siti &quot;Bos&quot; \\ ]; x=1 [" in svg
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    table = served("report", "links", "--inmate", "A-1", "--hops", "1").stdout
    assert "== nodes ==" in table and FRAUD in table


def test_svg_without_graphviz_is_a_clear_error_and_no_file(served, tmp_path):
    served.env = {"PATH": str(tmp_path / "empty")}
    result = served("report", "links", "--inmate", "A-1", "--format", "svg", "--output", str(tmp_path / "g.svg"),
                    check=False)
    assert result.returncode == 1 and "needs Graphviz's `dot`, which is not installed" in result.stderr
    assert not (tmp_path / "g.svg").exists()


def test_no_report_shows_the_privileged_call(served):
    outputs = []
    for fmt in ("table", "csv", "json"):
        for report in (["hits"], ["shared-numbers"], ["inmate", "B-2"], ["links", "--inmate", "B-2", "--hops", "4"]):
            outputs.append(served("report", *report, "--format", fmt).stdout)
    outputs.append(served("report", "links", "--inmate", "B-2", "--format", "dot").stdout)
    outputs += [served("decisions", "show", "c-4", "--format", fmt).stdout for fmt in ("table", "json")]
    for output in outputs:
        assert not any(secret in output for secret in SECRET), output
    assert "privileged call" in outputs[-2]


def test_a_decision_explained_with_its_entry_as_it_stood(served):
    served("blocklist", "edit", FRAUD, "--category", "narcotics", "--reason", "reclassified")
    shown = served("decisions", "show", "c-3").stdout
    assert "call c-3 at LP-SALEMBA" in shown and "decision:               DENY" in shown
    assert "1. BLOCKED_NUMBER  effect DENY" in shown and "entry blocklist:1" in shown
    assert "category='fraud'" in shown and "source='LP/B/123/XI/2026'" in shown
    assert "since: edit: category 'fraud' -> 'narcotics'" in shown and "reclassified" in shown
    whole = json.loads(served("decisions", "show", "c-3", "--facility", "LP-SALEMBA", "--format", "json").stdout)
    assert whole["entries"][0]["then"]["category"] == "fraud"
    missing = served("decisions", "show", "c-9", check=False)
    assert missing.returncode == 1 and "no decision for call_id 'c-9'" in missing.stderr
