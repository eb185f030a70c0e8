"""Two-person changes end to end, through real `screening` processes: on
SQLite two identities are two users sudo ran the command for (SUDO_USER),
on PostgreSQL two login roles. A held change changes nothing until another
identity approves it; one's own approval, a rejected and an expired change
are refused; every step is in the change log, which still verifies."""

import json
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from conftest import Cli

pytestmark = pytest.mark.e2e

ROLES_SQL = Path(__file__).resolve().parents[2] / "deploy" / "postgres" / "roles.sql"
LAWYER, FRAUD = "+62215551234", "+6281111111111"


def config(tmp_path: Path, table: str = "[approvals]\n") -> str:
    path = tmp_path / "screening.toml"
    path.write_text(table, "utf-8")
    return str(path)


def as_user(cli: Cli, user: str, settings: str) -> Cli:
    """The same database, run by another user (sudo sets SUDO_USER; its env_reset stops forging it)."""
    return Cli(cli.database, env={"SUDO_USER": user, "SCREENING_CONFIG": settings})


def decision(cli: Cli, number: str) -> str:
    return json.loads(cli("check", "--facility", "LP-CIPINANG", "--inmate", "A-1", "--number", number,
                          "--json").stdout)["decision"]


def log(cli: Cli) -> list[dict]:
    return json.loads(cli("audit", "--format", "json").stdout)


def steps(cli: Cli) -> list[tuple]:
    return [(e["action"], e["list"], e["actor"]) for e in log(cli)]


def test_a_privileged_number_waits_for_a_second_user_and_a_self_approval_is_refused(cli, tmp_path):
    settings = config(tmp_path)
    alice, bob = as_user(cli, "alice", settings), as_user(cli, "bob", settings)
    before = decision(alice, LAWYER)
    held = alice("privileged", "add", LAWYER, "--name", "LBH Jakarta", "--kind", "legal-aid", "--reason",
                 "new legal aid office", "--actor", "Officer Alice")
    assert held.stdout.startswith(f"pending approval 1: privileged add {LAWYER} ('LBH Jakarta', legal-aid); "
                                  "nothing changes until another user runs `screening approvals approve 1")
    assert decision(bob, LAWYER) == before == "DECISION_DENY"  # not on A-1's list, not privileged yet
    assert json.loads(alice("privileged", "list", "--format", "json").stdout) == []

    refused = alice("approvals", "approve", "1", "--reason", "looks fine", check=False)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == ("screening: error: pending change 1 was requested by alice: another identity must "
                              "approve it (a self-approval is refused)\n")
    assert decision(bob, LAWYER) == "DECISION_DENY"

    [row] = json.loads(bob("approvals", "list", "--format", "json").stdout)
    assert (row["status"], row["kind"], row["requested_by"], row["display_name"]) == (
        "pending", "privileged_add", "alice", "Officer Alice")
    done = bob("approvals", "approve", "1", "--reason", "checked the bar registration")
    assert done.stdout == (f"approved and applied pending change 1: privileged add {LAWYER} ('LBH Jakarta', "
                           "legal-aid) (requested by alice, approved by bob)\n")
    assert decision(bob, LAWYER) == "DECISION_ALLOW"
    [entry] = json.loads(bob("privileged", "list", "--format", "json").stdout)
    assert (entry["number"], entry["created_by"], entry["reason"]) == (LAWYER, "alice", "new legal aid office")

    # alice's first command stored the config's policy (service/approval_policy.py).
    assert steps(bob) == [("policy", "approvals", "alice"), ("request", "approvals", "alice"),
                          ("approve", "approvals", "bob"), ("add", "privileged", "alice")]
    _, request, approval, added = log(bob)
    assert request["details"]["display_name"] == "Officer Alice"
    assert (approval["details"]["requested_by"], approval["details"]["decided_by"]) == ("alice", "bob")
    assert added["details"] == {"approval": 1, "requested_by": "alice", "approved_by": "bob",
                                "display_name": "Officer Alice"}
    twice = alice("privileged", "add", LAWYER, "--name", "LBH", "--reason", "again", check=False)
    assert twice.returncode == 1 and "privileged already has an entry" in twice.stderr  # said now, nothing held
    again = bob("approvals", "approve", "1", "--reason", "twice", check=False)
    assert again.returncode == 1 and "pending change 1 is already approved (by bob)" in again.stderr
    assert bob("audit", "verify").returncode == 0


def test_a_fraud_block_removal_is_held_and_can_be_rejected(cli, tmp_path):
    settings = config(tmp_path, '[approvals]\nrequire = ["block_weaken"]\n')
    alice, bob = as_user(cli, "alice", settings), as_user(cli, "bob", settings)
    # A-1 has the number approved, so the block alone decides: deny, review once weakened.
    alice("allowlist", "add", "A-1", FRAUD, "--name", "Pak Joko", "--reason", "visit")
    alice("blocklist", "add", FRAUD, "--category", "fraud", "--reason", "LP/B/1")  # adding is never held
    assert decision(alice, FRAUD) == "DECISION_DENY"
    held = alice("blocklist", "remove", FRAUD, "--reason", "withdrawn?")
    assert held.stdout.startswith(f"pending approval 1: remove blocklist entry 1 ({FRAUD}, fraud, deny, global)")
    weaker = alice("blocklist", "edit", FRAUD, "--action", "review", "--reason", "less strict")
    assert weaker.stdout.startswith("pending approval 2: edit blocklist entry 1")
    # Not held under this policy: a privileged add goes in at once.
    assert alice("privileged", "add", LAWYER, "--name", "LBH", "--reason", "r").stdout.startswith("added privileged")

    assert bob("approvals", "reject", "1", "--reason", "the report stands").stdout.startswith(
        "rejected pending change 1")
    assert decision(bob, FRAUD) == "DECISION_DENY"
    refused = bob("approvals", "approve", "1", "--reason", "changed my mind", check=False)
    assert refused.returncode == 1 and "pending change 1 is already rejected (by bob)" in refused.stderr
    statuses = [(r["id"], r["status"]) for r in json.loads(bob("approvals", "list", "--all", "--format",
                                                                 "json").stdout)]
    assert statuses == [(1, "rejected"), (2, "pending")]
    bob("approvals", "approve", "2", "--reason", "review is enough")
    assert decision(bob, FRAUD) == "DECISION_REVIEW"
    assert [(a, lst) for a, lst, _ in steps(bob)][-2:] == [("approve", "approvals"), ("edit", "blocklist")]
    # An entry changed after the request: the approval re-checks it and refuses, nothing changes.
    assert alice("blocklist", "remove", FRAUD, "--reason", "r").stdout.startswith("pending approval 3")
    bob("blocklist", "edit", FRAUD, "--source", "LP/B/1 amended", "--reason", "typo")  # not a weakening
    stale = bob("approvals", "approve", "3", "--reason", "ok", check=False)
    assert (stale.returncode, stale.stderr) == (1, "screening: error: pending change 3 no longer applies: "
                                                   "blocklist entry 1 changed since it was requested; reject it "
                                                   "and request again\n")
    assert decision(bob, FRAUD) == "DECISION_REVIEW"
    assert bob("audit", "verify").returncode == 0


def test_a_held_change_expires_unapproved_and_its_expiry_is_logged_once(cli, tmp_path):
    settings = config(tmp_path, "[approvals]\nexpire_hours = 0.0002\n")  # 0.72 s
    alice, bob = as_user(cli, "alice", settings), as_user(cli, "bob", settings)
    alice("watchlist", "add", "Siti Aminah", "--category", "victim", "--action", "deny", "--reason", "LP/B/2")
    assert alice("watchlist", "remove", "SITI AMINAH", "--reason", "r").stdout.startswith("pending approval 1")
    time.sleep(1)
    [row] = json.loads(bob("approvals", "list", "--all", "--format", "json").stdout)
    assert row["status"] == "expired"
    assert json.loads(bob("approvals", "list", "--format", "json").stdout) == []  # none waiting
    refused = bob("approvals", "approve", "1", "--reason", "late", check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith("screening: error: pending change 1 expired at ")
    assert refused.stderr.endswith(" unapproved: nothing changed; request it again\n")
    assert [e["name"] for e in json.loads(bob("watchlist", "list", "--format", "json").stdout)] == ["Siti Aminah"]
    bob("approvals", "show", "1")
    assert [a for a, lst, _ in steps(bob) if lst == "approvals"] == ["policy", "request", "expire"]
    assert bob("audit", "verify").returncode == 0


def test_a_privileged_import_is_held_whole(cli, tmp_path):
    settings = config(tmp_path)
    alice, bob = as_user(cli, "alice", settings), as_user(cli, "bob", settings)
    path = tmp_path / "lawyers.csv"
    path.write_text(f"number,name,kind\n{LAWYER},LBH Jakarta,legal-aid\n+62215559999,Kedutaan,embassy\n", "utf-8")
    held = alice("privileged", "import", str(path), "--reason", "legal aid list 2026")
    assert held.stdout.startswith("pending approval 1: privileged import of 2 row(s) from ")
    assert json.loads(alice("privileged", "list", "--format", "json").stdout) == []
    assert bob("approvals", "approve", "1", "--reason", "ok").stdout.startswith(
        "approved and applied pending change 1: privileged import of 2 row(s)")
    assert [e["number"] for e in json.loads(bob("privileged", "list", "--format", "json").stdout)] == [
        LAWYER, "+62215559999"]
    imported = log(bob)[-1]
    assert (imported["action"], imported["actor"], imported["details"]["approved_by"]) == ("import", "alice", "bob")


def test_without_the_table_nothing_is_held(cli):
    cli("blocklist", "add", FRAUD, "--reason", "LP/B/1")
    assert cli("blocklist", "remove", FRAUD, "--reason", "r").stdout.startswith("removed blocklist entry 1")


@pytest.fixture
def roles(postgres_url, tmp_path):
    """Two staff login roles (screening_admin members, deploy/postgres/roles.sql)
    on a schema `screening init` made: {name: Cli logged in as it}."""
    Cli(postgres_url)("init")
    admin = psycopg.connect(postgres_url, autocommit=True)
    admin.execute(ROLES_SQL.read_text("utf-8"))
    names = {who: f"t_{who}_{uuid.uuid4().hex[:8]}" for who in ("alice", "bob")}
    settings = config(tmp_path)
    for name in names.values():
        admin.execute(f'CREATE ROLE "{name}" LOGIN IN ROLE screening_admin')  # names made here
    yield {who: Cli(postgres_url.replace("postgresql://postgres@", f"postgresql://{name}@", 1),
                    env={"SCREENING_CONFIG": settings, "SUDO_USER": "forged"}) for who, name in names.items()}, names
    for name in names.values():
        admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'")
        admin.execute(f'DROP ROLE "{name}"')
    admin.close()


@pytest.mark.postgres
def test_on_postgresql_the_identities_are_the_login_roles(roles):
    clis, names = roles
    alice, bob = clis["alice"], clis["bob"]
    assert alice("privileged", "add", LAWYER, "--name", "LBH", "--kind", "legal-aid", "--reason", "r").stdout \
        .startswith("pending approval 1")
    assert decision(alice, LAWYER) == "DECISION_DENY"
    refused = alice("approvals", "approve", "1", "--reason", "mine", check=False)
    assert refused.returncode == 1 and f"requested by {names['alice']}: another identity" in refused.stderr
    bob("approvals", "approve", "1", "--reason", "checked")
    assert decision(bob, LAWYER) == "DECISION_ALLOW"
    # SUDO_USER means nothing here: the role is who it is.
    assert steps(bob) == [("policy", "approvals", names["alice"]), ("request", "approvals", names["alice"]),
                          ("approve", "approvals", names["bob"]), ("add", "privileged", names["alice"])]
    assert bob("audit", "verify").returncode == 0
