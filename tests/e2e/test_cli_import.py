"""Bulk imports and exports through the CLI, as subprocesses against real SQLite files."""

import csv
import dataclasses
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing

import pytest

pytestmark = pytest.mark.e2e

# A police list as it comes: a BOM, semicolons, CRLF, a comment, blank and
# empty rows, numbers in national and international forms, duplicates.
MESSY = (
    "\ufeffpattern;category;action;reason;source;expires_at;scope\r\n"
    "# Daftar nomor, Polda Metro Jaya, November 2026\r\n"
    "0812-3456-7890;fraud;deny;LP/B/101/XI/2026;Polda Metro Jaya;;\r\n"
    "\r\n"
    "+62 812 3456 7890;fraud;deny;LP/B/102/XI/2026;;;\r\n"
    "0811 1111 1111;fraud;deny;LP/B/103/XI/2026;;;\r\n"
    ";;;;;;\r\n"
    "(0857) 1234-5678;victim;review;LP/B/104/XI/2026;;2026-12-31;facility:LP-CIPINANG\r\n"
    "62857 1234 5679;witness;deny;;;;\r\n"
    "+62809*;fraud;deny;prefix of a premium range;;;\r\n"
)
BAD = (
    "pattern,category,action,reason\n"
    "0812-3456-7890,fraud,deny,LP/B/1\n"
    "0812-34,fraud,deny,LP/B/2\n"
    "0812-3456-7891,harassment,deny,LP/B/3\n"
    "0812-3456-7892,fraud,deny\n"
    "0812-3456-7893,fraud,deny,LP/B/5\n"
)


def entries(cli, list_name="blocklist"):
    return json.loads(cli(list_name, "list", "--format", "json").stdout)


def history(cli):
    """The change log, newest first."""
    return json.loads(cli("audit", "--format", "json").stdout)[::-1]


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_messy_police_list_is_imported_once_with_every_duplicate_reported(cli, tmp_path):
    cli("blocklist", "add", "0811-1111-1111", "--reason", "earlier report")
    cli.env = {"SUDO_USER": "kplp.budi"}
    result = cli("blocklist", "import", write(tmp_path / "polda.csv", MESSY), "--force", "--reason", "Polda list 2026-11",
                 "--actor", "Budi S.")
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{tmp_path / 'polda.csv'}: 6 rows (csv, sha256 ")
    assert lines[1:] == [
        "  added: 4",
        "  duplicates within the file, not added twice: 1 (line 5)",
        "  already on the blocklist, left as they are: 1 (line 6)",
        "  invalid: 0",
        "imported into the blocklist: list version 2",
    ]
    assert result.stderr == ""
    rows = entries(cli)
    assert [(r["pattern"], r["category"], r["scope"], r["reason"], r["created_by"]) for r in rows] == [
        ("+6281111111111", "fraud", "global", "earlier report", rows[0]["created_by"]),
        ("+6281234567890", "fraud", "global", "LP/B/101/XI/2026", "kplp.budi"),
        ("+6285712345678", "victim", "facility:LP-CIPINANG", "LP/B/104/XI/2026", "kplp.budi"),
        ("+6285712345679", "witness", "global", "Polda list 2026-11", "kplp.budi"),
        ("+62809*", "fraud", "global", "prefix of a premium range", "kplp.budi"),
    ]
    record = history(cli)[0]
    assert (record["action"], record["actor"], record["version"]) == ("import", "kplp.budi", 2)
    assert record["details"]["display_name"] == "Budi S."
    details = record["details"]
    assert (details["added"], details["duplicates_in_file"], details["already_present"]) == (4, 1, 1)


def test_one_bad_row_and_nothing_is_imported_with_every_bad_line_named(cli, tmp_path):
    result = cli("blocklist", "import", write(tmp_path / "bad.csv", BAD), check=False)
    assert result.returncode == 1
    name = tmp_path / "bad.csv"
    assert result.stderr.splitlines() == [
        f"screening: error: {name} line 3: '0812-34' is not a valid phone number (read as dialed in region ID)",
        f"screening: error: {name} line 4: unknown category 'harassment'; "
        "choose one of fraud, victim, witness, official, narcotics, other",
        f"screening: error: {name} line 5: 3 fields where the header has 4",
        f"screening: error: {name}: 3 of 5 rows are invalid, so nothing was imported; "
        "fix them, or import the other rows with --skip-invalid",
    ]
    assert result.stdout == ""
    assert entries(cli) == [] and history(cli) == []


def test_skip_invalid_imports_the_good_rows_and_reports_the_rest(cli, tmp_path):
    result = cli("blocklist", "import", write(tmp_path / "bad.csv", BAD), "--skip-invalid")
    assert "  added: 2" in result.stdout
    assert "  invalid, skipped: 3 (lines 3, 4, 5)" in result.stdout
    assert [line.split(": ")[1] for line in result.stderr.splitlines()] == ["warning"] * 3
    assert [r["pattern"] for r in entries(cli)] == ["+6281234567890", "+6281234567893"]
    assert history(cli)[0]["details"]["invalid_skipped"] == 3


def test_dry_run_reports_what_would_change_and_changes_nothing(cli, tmp_path):
    cli("blocklist", "add", "0811-1111-1111", "--reason", "earlier report")
    result = cli("blocklist", "import", write(tmp_path / "polda.csv", MESSY), "--reason", "r", "--dry-run", "--force")
    assert result.stdout.splitlines()[1:] == [
        "  would add: 4",
        "  duplicates within the file, not added twice: 1 (line 5)",
        "  already on the blocklist, left as they are: 1 (line 6)",
        "  invalid: 0",
        "dry run: nothing changed",
    ]
    assert len(entries(cli)) == 1 and len(history(cli)) == 1
    refused = cli("blocklist", "import", write(tmp_path / "bad.csv", BAD), "--dry-run", check=False)
    assert refused.returncode == 1 and "  would add: 2" in refused.stdout
    assert len(entries(cli)) == 1


def test_plain_text_from_standard_input(cli):
    text = "# nomor penipuan\n0812-3456-7890\n\n+62 812 3456 7890  # the same\n+62809*\n"
    result = cli("blocklist", "import", "-", "--reason", "Polda list", "--force", input=text)
    assert result.stdout.startswith("<stdin>: 3 rows (text, sha256 ")
    assert [r["pattern"] for r in entries(cli)] == ["+6281234567890", "+62809*"]
    assert history(cli)[0]["details"]["file"] == "<stdin>"


@pytest.mark.parametrize("text, args, message", [
    ("pattern,reason,colour\n0812-3456-7890,r,red\n", [],
     "bad.csv line 1: unknown column 'colour' (field 3 of the header); "
     "the columns are pattern, category, action, reason, source, expires_at, scope"),
    ("0812-3456-7890\n", [], "bad.csv: a text file has no reasons; give --reason"),
    ("pattern,reason\n", [], "bad.csv: no rows to import"),
])
def test_unreadable_files_are_one_error_line(cli, tmp_path, text, args, message):
    result = cli("blocklist", "import", write(tmp_path / "bad.csv", text), *args, check=False)
    assert result.returncode == 1
    assert result.stderr == f"screening: error: {tmp_path}/{message}\n"
    assert history(cli) == []


def test_a_missing_file_is_one_error_line(cli, tmp_path):
    result = cli("blocklist", "import", str(tmp_path / "nope.csv"), "--reason", "r", check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("screening: error: [Errno 2] No such file or directory")


def test_export_then_import_elsewhere_gives_the_same_entries(cli, tmp_path):
    cli("blocklist", "add", "0812-3456-7890", "--reason", "=HYPERLINK(\"http://x\")", "--source", "@LP/B/1")
    cli("blocklist", "add", "0809*", "--force", "--reason=-premium-", "--category", "other", "--action", "review",
        "--scope", "facility:LP-CIPINANG", "--expires", "2099-12-31")
    cli("blocklist", "add", "0812-3456-7800..0812-3456-7899", "--reason", "a range, \"quoted\"", "--scope",
        "inmate:A-1")
    exported = tmp_path / "export.csv"
    result = cli("blocklist", "export", "--output", str(exported))
    assert result.stdout == f"exported 3 blocklist entries to {exported}\n"
    assert stat.S_IMODE(os.stat(exported).st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(exported.read_text(), newline="")))
    assert [r["pattern"] for r in rows] == ["+6281234567890", "+62809*", "+6281234567800..+6281234567899"]
    assert (rows[0]["reason"], rows[0]["source"], rows[1]["reason"]) == (
        "'=HYPERLINK(\"http://x\")", "'@LP/B/1", "'-premium-")

    elsewhere = dataclasses.replace(cli, database=tmp_path / "elsewhere.db")
    elsewhere("init")
    elsewhere("blocklist", "import", str(exported), "--actor", "polda.jabar", "--force")
    fields = ("pattern", "category", "action", "reason", "source", "expires_at", "scope")
    assert [{f: r[f] for f in fields} for r in entries(elsewhere)] == [{f: r[f] for f in fields} for r in entries(cli)]


def test_json_export(cli):
    cli("blocklist", "add", "0812-3456-7890", "--reason", "=cmd")
    [row] = json.loads(cli("blocklist", "export", "--format", "json").stdout)
    assert (row["pattern"], row["reason"], row["id"]) == ("+6281234567890", "=cmd", 1)


def test_allowlist_import(cli, tmp_path):
    text = ("inmate_id,number,name,relationship,facility_id,reason\n"
            "A-1,0812-3456-7890,Ibu Siti,mother,,registered at visit 2026-11-28\n"
            "A-1,+62 812 3456 7890,Ibu Siti,mother,,\n"
            "A-2,0813 1111 2222,Pak Budi,father,LP-CIPINANG,\n")
    result = cli("allowlist", "import", write(tmp_path / "family.csv", text), "--reason", "family registration")
    assert "  duplicates within the file, not added twice: 1 (line 3)" in result.stdout
    assert [(r["inmate_id"], r["number"], r["facility_id"], r["reason"]) for r in entries(cli, "allowlist")] == [
        ("A-1", "+6281234567890", "", "registered at visit 2026-11-28"),
        ("A-2", "+6281311112222", "LP-CIPINANG", "family registration"),
    ]
    refused = cli("allowlist", "import", write(tmp_path / "bad.csv", "inmate_id,number,name\nA-3,0812-3456-7890,\n"),
                  "--reason", "r", check=False)
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[0] == f"screening: error: {tmp_path}/bad.csv line 2: name is required"


def test_an_import_killed_half_way_leaves_the_store_as_it_was(cli, database, tmp_path):
    cli("blocklist", "add", "0811-1111-1111", "--reason", "before the import")
    big = tmp_path / "big.csv"
    # Long rows: the transaction outgrows the page cache and spills into the WAL long before it commits.
    reason = "LP/B/{}/XI/2026 " + "x" * 450
    with open(big, "w") as out:
        out.write("pattern,reason\n")
        out.writelines(f"+62812{i:08d},{reason.format(i)}\n" for i in range(200_000))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")}
    process = subprocess.Popen([sys.executable, "-m", "screening.cli", "blocklist", "import", str(big),
                                "--database", str(database)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wal = database.with_name(database.name + "-wal")
    try:
        deadline = time.monotonic() + 60
        while not (holds_write_lock(database) and wal.exists() and wal.stat().st_size > 8 * 2**20):
            assert process.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import never got into its transaction"
            time.sleep(0.02)
        process.kill()
    finally:
        process.wait(timeout=30)
    assert process.returncode == -9

    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT version FROM list_version").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM blocklist").fetchone() == (1,)
    assert [r["pattern"] for r in entries(cli)] == ["+6281111111111"]
    assert [r["action"] for r in history(cli)] == ["add"]
    cli("blocklist", "add", "0812-3456-7890", "--reason", "after the crash")  # and it takes changes again


def holds_write_lock(database) -> bool:
    """Whether another process is inside a write transaction on the database."""
    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()
