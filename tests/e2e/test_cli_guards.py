"""The CLI's guards, as a subprocess on a real SQLite file: one typo must
not deny everyone."""

import json

import pytest

from conftest import Cli

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, cli, tmp_path):
    """The CLI on SQLite, and on PostgreSQL: the guards read the lists through the store's port."""
    if request.param == "sqlite":
        return cli
    pg = Cli(request.getfixturevalue("postgres_url"),
             env={"SCREENING_DECISION_SPOOL": str(tmp_path / "spool" / "decisions.spool")})
    pg("init")
    return pg


def _approve_family(cli):
    cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "r")
    cli("allowlist", "add", "A-2", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "r")
    cli("allowlist", "add", "A-2", "0812-9999-0000", "--name", "Pak Budi", "--reason", "r")
    cli("privileged", "add", "0812-3456-1111", "--name", "LBH", "--kind", "legal-aid", "--reason", "r")


def test_a_pattern_over_approved_and_privileged_numbers_warns_with_counts(backend):
    _approve_family(backend)
    added = backend("blocklist", "add", "+62812345*", "--reason", "SIM batch")
    assert added.stdout.startswith("blocked: +62812345*")
    assert ("screening: warning: +62812345* covers 1 approved number (of 2 inmates) and 1 privileged number"
            in added.stderr)
    ranged = backend("blocklist", "add", "+6281234561000..+6281234567999", "--reason", "a range of numbers")
    assert ("+6281234561000..+6281234567999 covers 1 approved number (of 2 inmates) and 1 privileged number"
            in ranged.stderr)
    quiet = backend("blocklist", "add", "+6281777777???", "--reason", "another batch")
    assert "warning" not in quiet.stderr


def test_a_pattern_broader_than_the_minimum_is_refused_unless_forced(backend):
    _approve_family(backend)
    for pattern in ("+62*", "+62812*", "+6281200000000..+6281299999999"):
        refused = backend("blocklist", "add", pattern, "--reason", "typo", check=False)
        assert refused.returncode == 1, pattern
        assert "fewer than the 6 a pattern must fix" in refused.stderr and "--force" in refused.stderr
    refused = backend("blocklist", "add", "+62812*", "--reason", "typo", check=False)
    assert "it would cover 2 approved numbers (of 2 inmates) and 1 privileged number" in refused.stderr
    assert json.loads(backend("blocklist", "list", "--format", "json").stdout) == []
    forced = backend("blocklist", "add", "+62812*", "--reason", "whole operator", "--force")
    assert "blocked anyway (--force)" in forced.stderr and "covers 2 approved numbers" in forced.stderr
    [row] = json.loads(backend("blocklist", "list", "--format", "json").stdout)
    assert row["pattern"] == "+62812*"


def test_an_import_names_broad_rows_as_invalid_unless_forced(cli, tmp_path):
    police = tmp_path / "police.txt"
    police.write_text("+6281234567890\n+62*\n+62812345*\n")
    refused = cli("blocklist", "import", str(police), "--reason", "LP/B/1", check=False)
    assert refused.returncode == 1
    assert "line 2: +62* fixes 0 digits after the country code" in refused.stderr
    assert json.loads(cli("blocklist", "list", "--format", "json").stdout) == []
    cli("blocklist", "import", str(police), "--reason", "LP/B/1", "--force")
    rows = json.loads(cli("blocklist", "list", "--format", "json").stdout)
    assert [r["pattern"] for r in rows] == ["+6281234567890", "+62*", "+62812345*"]


def test_an_expiry_in_the_past_is_refused(cli):
    refused = cli("blocklist", "add", "0811-1111-1111", "--reason", "r", "--expires", "2020-01-31", check=False)
    assert refused.returncode == 1 and "expiry '2020-01-31' is in the past" in refused.stderr
    cli("blocklist", "add", "0811-1111-1111", "--reason", "r", "--expires", "2099-01-31")
    edited = cli("blocklist", "edit", "0811-1111-1111", "--reason", "r", "--expires", "2021-05-01T10:00", check=False)
    assert edited.returncode == 1 and "in the past" in edited.stderr


def test_approving_a_number_inside_a_blocked_pattern_warns(backend):
    backend("blocklist", "add", "+62812345*", "--reason", "SIM batch")
    approved = backend("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "r")
    assert "+6281234567890 is inside the blocked pattern +62812345* (deny, global, entry 1)" in approved.stderr
    privileged = backend("privileged", "add", "0812-3456-1111", "--name", "LBH", "--reason", "r")
    assert "+6281234561111 is inside the blocked pattern +62812345*" in privileged.stderr
    outside = backend("allowlist", "add", "A-1", "0813-3456-7890", "--name", "Pak Budi", "--reason", "r")
    assert "warning" not in outside.stderr


HOURS = '[policy.calling_hours]\ntimezone = "Asia/Jakarta"\nsessions = ["08:00-12:00"]\n'


def _check(cli, *args, check=True):
    return cli("check", "--facility", "LP-CIPINANG", "--inmate", "A-1", "--number", "0812-3456-7890", *args,
               check=check)


def test_check_at_screens_as_of_another_time(cli, tmp_path):
    config = tmp_path / "screening.toml"
    config.write_text(HOURS)
    cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "r")
    inside = _check(cli, "--config", str(config), "--at", "2026-12-01T09:30").stdout
    assert inside.startswith("ALLOW") and "OUTSIDE_HOURS" not in inside
    outside = _check(cli, "--config", str(config), "--at", "2026-12-01T20:00").stdout
    assert outside.startswith("DENY") and "OUTSIDE_HOURS" in outside
    # With an offset the moment is exact: 02:30 UTC is 09:30 in Jakarta.
    assert _check(cli, "--config", str(config), "--at", "2026-12-01T02:30Z").stdout.startswith("ALLOW")
    # An expiry passes: the entry matches before it, not after.
    cli("blocklist", "add", "0812-3456-7890", "--reason", "tip", "--expires", "2099-01-31")
    assert _check(cli, "--at", "2099-01-31T23:00+00:00").stdout.startswith("DENY")
    assert _check(cli, "--at", "2099-02-01T00:00+00:00").stdout.startswith("ALLOW")
    bad = _check(cli, "--at", "yesterday", check=False)
    assert bad.returncode == 1 and "--at 'yesterday' is not an ISO 8601 time" in bad.stderr


def test_check_exit_code_is_the_decision(cli):
    cli("allowlist", "add", "A-1", "0812-3456-7890", "--name", "Ibu Siti", "--reason", "r")
    assert _check(cli, "--exit-code").returncode == 0
    assert _check(cli, "--name", "Joko Widodo", "--exit-code", check=False).returncode == 1
    cli("blocklist", "add", "0812-3456-7890", "--action", "deny", "--reason", "fraud")
    denied = _check(cli, "--exit-code", check=False)
    assert denied.returncode == 2 and denied.stdout.startswith("DENY")
    assert _check(cli).returncode == 0  # without --exit-code the decision is only printed
    assert _check(cli, "--at", "noon", "--exit-code", check=False).returncode == 3
    missing = cli("check", "--facility", "F", "--inmate", "A-1", "--exit-code", check=False)
    assert missing.returncode == 3 and "--number" in missing.stderr
    assert "0 allow, 1 review, 2 deny, 3" in cli("check", "--help").stdout


POLICY = """[policy]
max_duration_seconds = 600
[policy.calling_hours]
sessions = ["08:00-12:00", "14:00-17:00"]
[facilities."LP-A"]
require_allowlist = false
[facilities."LP-A".velocity]
max_attempts = 3
"""


def test_policy_show_prints_the_policy_in_effect(cli, tmp_path):
    import tomllib

    config = tmp_path / "screening.toml"
    config.write_text(POLICY)
    shown = cli("policy", "show", "--config", str(config), "--facility", "LP-A").stdout
    assert shown.startswith('# the policy of facility LP-A: [policy] with its [facilities."LP-A"] overrides\n')
    values = tomllib.loads(shown)
    assert (values["require_allowlist"], values["max_duration_seconds"], values["velocity"]["max_attempts"]) == (
        False, 600, 3)
    assert values["calling_hours"] == {"action": "deny", "timezone": "Asia/Jakarta",
                                       "sessions": ["08:00-12:00", "14:00-17:00"]}
    assert values["velocity"]["max_distinct_numbers"] == 5  # a default, merged
    every = json.loads(cli("policy", "show", "--config", str(config), "--format", "json").stdout)
    assert (every["require_allowlist"], every["max_duration_seconds"], every["velocity"]["max_attempts"]) == (
        True, 600, 10)
    other = cli("policy", "show", "--config", str(config), "--facility", "LP-B").stdout
    assert other.startswith("# facility LP-B has no overrides") and tomllib.loads(other) == every
    defaults = json.loads(cli("policy", "show", "--format", "json").stdout)
    assert defaults["max_duration_seconds"] == 900


def test_an_expiry_reads_back_as_the_date_given(cli):
    cli("blocklist", "add", "0811-1111-1111", "--reason", "r", "--expires", "2099-12-31")
    cli("blocklist", "add", "0811-1111-2222", "--reason", "r", "--expires", "2099-12-31T10:00+07:00")
    rows = json.loads(cli("blocklist", "list", "--format", "json").stdout)
    assert [r["expires_at"] for r in rows] == ["2099-12-31", "2099-12-31T03:00:00+00:00"]
    assert "2099-12-31" in cli("blocklist", "list").stdout and "2100-01-01" not in cli("blocklist", "list").stdout
    # It still matches through that day, UTC, and not after.
    at = ("check", "--facility", "F", "--inmate", "A-1", "--number", "0811-1111-1111", "--at")
    assert "BLOCKED_NUMBER" in cli(*at, "2099-12-31T23:59:59+00:00").stdout
    assert "BLOCKED_NUMBER" not in cli(*at, "2100-01-01T00:00:00+00:00").stdout
    # Exported as the moment it ends, which an import reads back to the same entry.
    [exported, _] = json.loads(cli("blocklist", "export", "--format", "json").stdout)
    assert exported["expires_at"] == "2100-01-01T00:00:00+00:00"
