"""The admin CLI as a subprocess against a real SQLite file."""

import csv
import io
import json
import os
import pwd
import stat

import pytest

from conftest import Cli

pytestmark = pytest.mark.e2e


def test_allowlist_add_list_remove(cli):
    cli.env = {"SUDO_USER": "kplp.budi"}  # who runs it: the entry's created_by
    added = cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--relationship", "mother",
                "--reason", "registered at visit", "--actor", "kplp.budi")
    assert added.stdout.strip() == "approved: +6281234567890 (allowlist entry 1)"
    table = cli("allowlist", "list").stdout
    assert "INMATE_ID" in table and "+6281234567890" in table and "Ibu Siti" in table and "kplp.budi" in table
    [row] = json.loads(cli("allowlist", "list", "--format", "json", "--inmate", "A-1").stdout)
    assert row["name"] == "Ibu Siti" and row["relationship"] == "mother" and row["reason"] == "registered at visit"
    assert json.loads(cli("allowlist", "list", "--format", "json", "--inmate", "A-2").stdout) == []
    removed = cli("allowlist", "remove", "A-1", "+62 812 3456 7890", "--reason", "family request")
    assert removed.stdout.strip() == "removed allowlist entry 1: +6281234567890"
    assert "(no entries)" in cli("allowlist", "list").stdout


def test_privileged_and_blocklist_lists(cli):
    cli("privileged", "add", "(021) 555-1234", "--name", "LBH Jakarta", "--kind", "legal-aid", "--reason", "r")
    cli("blocklist", "add", "0811 1111 1111", "--reason", "LP/B/123/XI/2026", "--category", "fraud",
        "--action", "review")
    [privileged] = json.loads(cli("privileged", "list", "--format", "json").stdout)
    assert (privileged["number"], privileged["kind"]) == ("+62215551234", "legal-aid")
    rows = list(csv.DictReader(io.StringIO(cli("blocklist", "list", "--format", "csv").stdout)))
    assert [(r["pattern"], r["action"], r["reason"]) for r in rows] == [
        ("+6281111111111", "review", "LP/B/123/XI/2026")]
    cli("blocklist", "remove", "6281111111111", "--reason", "withdrawn")
    cli("privileged", "remove", "+62215551234", "--reason", "office moved")
    assert json.loads(cli("blocklist", "list", "--format", "json").stdout) == []


def test_csv_output_neutralizes_formulas_but_keeps_numbers(cli):
    cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "=HYPERLINK(\"http://x\")", "--reason", "@SUM(1)")
    [row] = csv.DictReader(io.StringIO(cli("allowlist", "list", "--format", "csv").stdout))
    assert row["name"].startswith("'=") and row["reason"].startswith("'@")
    assert row["number"] == "+6281234567890"


def test_check_explains_every_finding(cli):
    cli("allowlist", "add", "A-1", "0811-1111-1111", "--name", "Pak Budi", "--reason", "r")
    cli("blocklist", "add", "0811-1111-1111", "--reason", "fraud report")
    out = cli("check", "--facility", "LP-CIPINANG", "--inmate", "A-1", "--number", "0811 1111 1111").stdout
    lines = out.splitlines()
    assert lines[0].startswith("DENY  +6281111111111  type MOBILE")
    assert "DENY   BLOCKED_NUMBER" in lines[1] and "[blocklist:1]" in lines[1]
    assert "ALLOW  ALLOWLISTED" in lines[2] and "[allowlist:1]" in lines[2]


def test_check_json_is_the_protobuf_json_mapping(cli):
    cli("privileged", "add", "021 5551234", "--name", "LBH", "--kind", "legal-aid", "--reason", "r")
    out = cli("check", "--facility", "F", "--inmate", "A-1", "--number", "+62 21 555 1234", "--json").stdout
    answer = json.loads(out)
    assert answer["decision"] == "DECISION_ALLOW"
    assert answer["record"] is False
    assert answer["normalizedNumber"] == "+62215551234"
    assert answer["findings"][0]["reason"] == "REASON_PRIVILEGED"
    assert answer["listVersion"] == "1"


def test_history_records_who_what_and_why(cli):
    cli.env = {"SUDO_USER": "polda.metro"}
    cli("blocklist", "add", "0811-1111-1111", "--reason", "LP/B/1", "--actor", "Pak Joko")
    cli.env = {"SUDO_USER": "kplp.ani"}
    cli("blocklist", "remove", "0811-1111-1111", "--reason", "court order 12/2026")
    rows = json.loads(cli("audit", "--format", "json").stdout)
    assert [(r["action"], r["actor"], r["reason"], r["version"]) for r in rows] == [
        ("add", "polda.metro", "LP/B/1", 1), ("remove", "kplp.ani", "court order 12/2026", 2)]
    # --actor is a display name beside the identity, never instead of it.
    assert rows[0]["details"] == {"display_name": "Pak Joko"} and rows[1]["details"] == {}
    assert "polda.metro (Pak Joko)" in cli("audit").stdout
    assert rows[0]["after"]["pattern"] == rows[1]["before"]["pattern"] == "+6281111111111"
    # `history` is the old name of the same listing.
    assert json.loads(cli("audit", "--format", "json").stdout) == rows


def test_the_actor_is_the_os_user_whatever_the_environment_or_flags_say(cli):
    """$USER and $LOGNAME anyone sets, and --actor is a display name: the
    identity is the real uid's user ($SUDO_USER under sudo)."""
    me = pwd.getpwuid(os.getuid()).pw_name
    cli.env = {"USER": "kplp.rudi", "LOGNAME": "kplp.rudi", "SUDO_USER": ""}
    cli("blocklist", "add", "0811-1111-1111", "--reason", "r", "--actor", "kplp.rudi")
    [row] = json.loads(cli("audit", "--format", "json").stdout)
    assert (row["actor"], row["details"]) == (me, {"display_name": "kplp.rudi"})
    assert json.loads(cli("blocklist", "list", "--format", "json").stdout)[0]["created_by"] == me


@pytest.mark.parametrize("args, message", [
    (["allowlist", "add", "A-1", "12", "--name", "x", "--reason", "r"],
     "screening: error: '12' is not a valid phone number (read as dialed in region ID)"),
    (["allowlist", "add", "A-1", "0812-3456-7890", "--name", " ", "--reason", "r"],
     "screening: error: name is required"),
    (["blocklist", "remove", "0811-1111-1111", "--reason", "r"],
     "screening: error: blocklist has no entry for pattern='+6281111111111', scope='global'"),
    # A short code gets its real reason, on every list.
    (["privileged", "add", "112", "--name", "x", "--reason", "r"],
     "screening: error: '112' is a short code: short codes cannot be listed "
     "([policy.number_types] EMERGENCY decides calls to it)"),
    (["allowlist", "add", "A-1", "14045", "--name", "x", "--reason", "r"],
     "screening: error: '14045' is a short code: short codes cannot be listed "
     "([policy.number_types] SHORT_CODE decides calls to it)"),
    (["blocklist", "add", "112", "--reason", "r"],
     "screening: error: '112' is a short code: short codes cannot be listed "
     "([policy.number_types] EMERGENCY decides calls to it)"),
])
def test_errors_are_one_clear_line_and_change_nothing(cli, args, message):
    result = cli(*args, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == message
    assert json.loads(cli("audit", "--format", "json").stdout) == []


def test_duplicates_are_refused(cli):
    cli("blocklist", "add", "0811-1111-1111", "--reason", "r")
    result = cli("blocklist", "add", "+62 811 1111 1111", "--reason", "again", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "screening: error: blocklist already has an entry for pattern='+6281111111111', scope='global'"
    assert len(json.loads(cli("audit", "--format", "json").stdout)) == 1


def test_every_change_requires_a_reason(cli):
    result = cli("blocklist", "add", "0811-1111-1111", check=False)
    assert result.returncode == 2
    assert "--reason" in result.stderr


def test_conflicts_between_lists_are_warned_about(cli):
    cli("allowlist", "add", "A-1", "0811-1111-1111", "--name", "x", "--reason", "r")
    cli("allowlist", "add", "A-2", "0811-1111-1111", "--name", "y", "--reason", "r")
    result = cli("blocklist", "add", "0811-1111-1111", "--reason", "fraud")
    assert "warning: +6281111111111 is on the approved lists of 2 inmate(s): A-1, A-2" in result.stderr


def test_database_and_config_from_environment_and_file(cli, tmp_path):
    """The database a command uses: --database over SCREENING_DATABASE over
    the config file's `database`; the same order for policy settings."""
    import subprocess
    import sys

    from conftest import _environment

    stores = {}
    for source, number in (("flag", "0811-1111-1001"), ("env", "0811-1111-1002"), ("file", "0811-1111-1003")):
        stores[source] = tmp_path / f"{source}.db"
        Cli(stores[source])("init")
        Cli(stores[source])("blocklist", "add", number, "--reason", f"in the {source} database")
    config = tmp_path / "screening.toml"
    config.write_text(f'database = "{stores["file"]}"\n[policy]\nrequire_allowlist = false\n')

    def listed(*flags, **env):
        result = subprocess.run([sys.executable, "-m", "screening.cli", "blocklist", "list", "--format", "json",
                                 "--config", str(config), *flags], capture_output=True, text=True, timeout=60,
                                env=_environment(**env), check=True)
        return [entry["reason"] for entry in json.loads(result.stdout)]

    assert listed() == ["in the file database"]
    assert listed(SCREENING_DATABASE=str(stores["env"])) == ["in the env database"]
    assert listed("--database", str(stores["flag"]), SCREENING_DATABASE=str(stores["env"])) == \
        ["in the flag database"]
    check = ("check", "--facility", "F", "--inmate", "A-1", "--number", "0857-1234-5678", "--config", str(config))
    assert cli(*check).stdout.startswith("ALLOW")
    cli.env = {"SCREENING_POLICY_REQUIRE_ALLOWLIST": "true"}
    assert cli(*check).stdout.startswith("DENY")


def test_database_file_is_private(cli, database):
    cli("blocklist", "add", "0811-1111-1111", "--reason", "r")
    for name in (database.name, f"{database.name}-wal", f"{database.name}-shm"):  # the last two are kept
        assert stat.S_IMODE(os.stat(database.with_name(name)).st_mode) == 0o600, name


def test_table_output_cannot_drive_the_terminal(cli, database):
    import sqlite3

    cli("blocklist", "list")
    with sqlite3.connect(database) as conn:  # as if written by an older tool
        conn.execute("INSERT INTO blocklist (pattern, category, action, created_at, created_by, reason) "
                     "VALUES ('+6281111111111', 'fraud', 'deny', '2026-01-01T00:00:00+00:00', 'x', "
                     "'evil\x1b[2Jname')")
    assert "\x1b" not in cli("blocklist", "list").stdout


def test_blocklist_edit_changes_expiry_and_action_and_says_what(cli):
    cli("blocklist", "add", "0811-1111-1111", "--reason", "LP/B/1")
    edited = cli("blocklist", "edit", "+62 811 1111 1111", "--expires", "2099-12-31", "--action", "review",
                 "--reason", "tip, unconfirmed").stdout
    assert edited == ("edited blocklist entry 1: +6281111111111 (action: deny -> review; "
                      "expires_at: never -> 2099-12-31)\n")
    again = cli("blocklist", "edit", "0811-1111-1111", "--action", "review", "--reason", "again").stdout
    assert again == "nothing changed: blocklist entry 1 is already so\n"
    cli("blocklist", "edit", "0811-1111-1111", "--expires", "never", "--reason", "confirmed")
    [entry] = json.loads(cli("blocklist", "list", "--format", "json").stdout)
    assert (entry["action"], entry["expires_at"]) == ("review", "")
    log = json.loads(cli("audit", "--format", "json").stdout)
    assert [(r["action"], r["version"]) for r in log] == [("add", 1), ("edit", 2), ("edit", 3)]
    assert log[1]["before"]["expires_at"] == "" and log[1]["after"]["expires_at"] == "2100-01-01T00:00:00+00:00"
    nothing = cli("blocklist", "edit", "0811-1111-1111", "--reason", "r", check=False)
    assert nothing.returncode == 1 and "nothing to change: give --category" in nothing.stderr
    assert cli("audit", "verify").returncode == 0


def test_an_import_of_rows_all_there_already_changes_no_version(cli):
    cli("blocklist", "add", "0811-1111-1111", "--reason", "LP/B/1")
    result = cli("blocklist", "import", "-", "--reason", "again", input="+62 811 1111 1111\n")
    assert result.stdout.splitlines()[-1] == "nothing new for the blocklist: it is unchanged, list version 1"
    assert len(json.loads(cli("audit", "--format", "json").stdout)) == 1
