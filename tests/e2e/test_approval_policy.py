"""The two-person rule binds the store, not the command line: once a config
with [approvals] has run one changing command, the policy is in the store,
and alice running with an empty config, `--config /dev/null` or no config
at all is still held. Lowering it is itself held for a second identity;
raising it takes effect at once. Through real `screening` processes, on
SQLite (SUDO_USER) and PostgreSQL (two login roles)."""

import dataclasses
import json

import pytest

from conftest import Cli
import test_approvals
from test_approvals import LAWYER, as_user, config

roles = test_approvals.roles  # the fixture, by assignment (an import of it reads as unused)

pytestmark = pytest.mark.e2e
OTHER = "+62215559999"


def without_config(cli: Cli) -> Cli:
    """The same user with SCREENING_CONFIG unset: the CLI's defaults, no [approvals]."""
    return dataclasses.replace(cli, env={k: v for k, v in cli.env.items() if k != "SCREENING_CONFIG"})


def policy(cli: Cli) -> str:
    return cli("approvals", "policy").stdout.splitlines()[0]


def policy_entries(cli: Cli) -> list[dict]:
    return [e for e in json.loads(cli("audit", "--format", "json").stdout) if e["action"] == "policy"]


def the_rule_survives_its_config_and_is_lowered_by_two(alice: Cli, bob: Cli, empty: str, alice_is: str,
                                                        bob_is: str) -> None:
    """alice's Cli has a config with [approvals] (every kind); `empty` is a config file without it."""
    alice("allowlist", "add", "A-1", "+6281234567890", "--name", "Ibu", "--reason", "visit")  # raises the store
    assert policy(alice) == ("policy: require privileged_add, block_weaken, watchlist_deny_remove, import_weaken; "
                             "expire_hours 72")
    [raised] = policy_entries(alice)
    assert (raised["actor"], raised["details"]["raised_by"], raised["details"]["policy"]["require"]) == (
        alice_is, "config", ["privileged_add", "block_weaken", "watchlist_deny_remove", "import_weaken"])

    # Without the [approvals] that raised it, her privileged add is still held.
    bare = without_config(alice)
    for attempt, how in enumerate((("--config", empty), ("--config", "/dev/null"), ()), 1):
        held = bare("privileged", "add", LAWYER, "--name", "Kantor Hukum", "--reason", "r", *how)
        assert held.stdout.startswith(f"pending approval {attempt}: privileged add {LAWYER}"), how
    assert json.loads(bare("privileged", "list", "--format", "json").stdout) == []
    assert len(policy_entries(alice)) == 1  # less asked for: nothing stored, nothing logged

    # Lowering is held too, and her own approval refused.
    lower = bare("approvals", "policy", "--require", "block_weaken", "--reason", "too slow", "--config", empty)
    assert lower.stdout.startswith("pending approval 4: approval policy lowered to: require block_weaken; "
                                   "expire_hours 72 (from: require privileged_add, ")
    assert policy(bare).startswith("policy: require privileged_add, ")
    longer = bare("approvals", "policy", "--require", "privileged_add", "--require", "block_weaken", "--require",
                  "watchlist_deny_remove", "--require", "import_weaken", "--expire-hours", "100", "--reason", "r")
    assert longer.stdout.startswith("pending approval 5: approval policy lowered to: ")  # a longer wait is lower
    refused = bare("approvals", "approve", "4", "--reason", "mine", check=False)
    assert refused.returncode == 1 and f"requested by {alice_is}: another identity must approve" in refused.stderr
    assert policy(bare).startswith("policy: require privileged_add, ")

    bob_bare = without_config(bob)
    done = bob_bare("approvals", "approve", "4", "--reason", "agreed at the staff meeting")
    assert done.stdout.startswith("approved and applied pending change 4: approval policy lowered to")
    assert policy(bob_bare) == "policy: require block_weaken; expire_hours 72"
    lowered = policy_entries(bob)[-1]
    assert (lowered["actor"], lowered["details"]["approved_by"], lowered["details"]["policy"]["require"]) == (
        alice_is, bob_is, ["block_weaken"])
    stale = bob_bare("approvals", "approve", "5", "--reason", "ok", check=False)  # asked of the old policy
    assert stale.returncode == 1 and "no longer applies: the approval policy was set again" in stale.stderr
    # Lower now: a privileged add goes in at once; raising again takes effect at once.
    assert bare("privileged", "add", OTHER, "--name", "Kedutaan", "--kind", "embassy", "--reason", "r").stdout \
        .startswith("added privileged number")
    raised = bare("approvals", "policy", "--require", "block_weaken", "--require", "privileged_add",
                  "--expire-hours", "24", "--reason", "back to two people")
    assert raised.stdout.startswith("approval policy raised: require block_weaken, privileged_add; expire_hours 24")
    assert bare("privileged", "remove", OTHER, "--reason", "r").stdout.startswith("removed")  # not a held kind
    assert bare("privileged", "add", OTHER, "--name", "K", "--reason", "r").stdout.startswith("pending approval 6")
    assert bob("audit", "verify").returncode == 0


def test_on_sqlite_the_stored_rule_binds_whatever_config_alice_runs_with(cli, tmp_path):
    settings = config(tmp_path)
    empty = tmp_path / "empty.toml"
    empty.write_text("", "utf-8")
    alice, bob = as_user(cli, "alice", settings), as_user(cli, "bob", settings)
    the_rule_survives_its_config_and_is_lowered_by_two(alice, bob, str(empty), "alice", "bob")


@pytest.mark.postgres
def test_on_postgresql_the_stored_rule_binds_whatever_config_alice_runs_with(roles, tmp_path):
    clis, names = roles
    empty = tmp_path / "empty.toml"
    empty.write_text("", "utf-8")
    the_rule_survives_its_config_and_is_lowered_by_two(clis["alice"], clis["bob"], str(empty), names["alice"],
                                                        names["bob"])


def test_a_bad_policy_request_names_what_is_wrong(cli):
    for flags, message in ((("--none", "--require", "block_weaken"), "--none holds nothing: give it alone"),
                           (("--expire-hours", "5"), "--expire-hours needs the kinds held"),
                           (("--none",), "setting the approval policy needs --reason R"),
                           (("--require", "block_weaken", "--expire-hours", "0", "--reason", "r"),
                            "--expire-hours: expected a number of hours greater than 0")):
        failed = cli("approvals", "policy", *flags, check=False)
        assert failed.returncode == 1 and message in failed.stderr, (flags, failed.stderr)
    assert cli("approvals", "policy").stdout.startswith("policy: none kept in the store")
