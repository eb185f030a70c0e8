"""Every command that changes the lists needs a reason, and one run without
it changes nothing: the change log's head is where it was."""

import argparse

import pytest

from screening.cli.main import build_parser

pytestmark = pytest.mark.e2e

FAMILY, LAWYER, FRAUD = "0812-3456-7890", "(021) 555-1234", "0811-1111-1111"
# The verbs of the commands that change what the server decides from.
CHANGING = {"add", "remove", "edit", "import", "approve", "reject"}

# Each changing command with the arguments it needs, but no --reason.
# Imports read files whose rows have no reason of their own.
COMMANDS = {
    "allowlist add": ["A-2", "0812-0000-0002", "--name", "Ibu Ani"],
    "allowlist remove": ["A-1", FAMILY],
    "allowlist edit": ["A-1", FAMILY, "--name", "Ibu Siti Aminah"],
    "allowlist import": ["{dir}/allowlist.csv"],
    "privileged add": ["0812-7000-1001", "--name", "Adv. Rahmat", "--kind", "attorney"],
    "privileged remove": [LAWYER],
    "privileged edit": [LAWYER, "--name", "LBH Jakarta Pusat"],
    "privileged import": ["{dir}/privileged.csv"],
    "blocklist add": ["0811-2222-2222"],
    "blocklist remove": [FRAUD],
    "blocklist edit": [FRAUD, "--action", "review"],
    "blocklist import": ["{dir}/blocklist.csv"],
    "watchlist add": ["Budi Santoso", "--category", "fraud"],
    "watchlist remove": ["Dewi Lestari"],
    "watchlist edit": ["Dewi Lestari", "--alias", "Ibu Dewi"],
    "watchlist import": ["{dir}/watchlist.csv"],
    "alerts add": ["--number", "0811-3333-3333"],
    "alerts remove": ["--number", FRAUD],
    # A second person (the test runs as bob) on the change alice asked for.
    "approvals approve": ["1", "--config", "{dir}/approvals.toml"],
    "approvals reject": ["1", "--config", "{dir}/approvals.toml"],
}

FILES = {
    "allowlist.csv": "inmate_id,number,name,relationship,facility_id,reason\nA-3,0812-0000-0003,Ibu Rina,mother,,\n",
    "privileged.csv": "number,name,kind,reason\n0812-7000-1002,Adv. Sari,attorney,\n",
    "blocklist.csv": "pattern,category,action,reason\n0811 4444 4444,fraud,deny,\n",
    "watchlist.csv": "name,aliases,category,action,reason,scope\nJoko Susilo,,fraud,deny,,\n",
    "approvals.toml": "[approvals]\n",
}


def changing_commands() -> set[str]:
    """Every `GROUP VERB` of the real parser whose verb changes something."""
    found = set()
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for group, parser in action.choices.items():
                for sub in parser._actions:
                    if isinstance(sub, argparse._SubParsersAction):
                        found |= {f"{group} {verb}" for verb in sub.choices if verb in CHANGING}
    return found


def test_every_changing_command_is_covered_here():
    assert changing_commands() == set(COMMANDS)


@pytest.fixture
def seeded(cli, tmp_path):
    cli("allowlist", "add", "A-1", FAMILY, "--name", "Ibu Siti", "--reason", "registered at visit")
    cli("privileged", "add", LAWYER, "--name", "LBH Jakarta", "--kind", "legal-aid", "--reason", "legal aid")
    cli("blocklist", "add", FRAUD, "--reason", "LP/B/123/XI/2026", "--category", "fraud")
    cli("watchlist", "add", "Dewi Lestari", "--category", "victim", "--reason", "victim in LP/B/123/XI/2026")
    cli("alerts", "add", "--number", FRAUD, "--reason", "hot number")
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    cli.env = {"SUDO_USER": "alice"}
    held = cli("privileged", "add", "0812-7000-1009", "--name", "Adv. Budi", "--kind", "attorney",
               "--reason", "new counsel", "--config", str(tmp_path / "approvals.toml")).stdout
    assert held.startswith("pending approval 1:"), held
    cli.env = {"SUDO_USER": "bob"}
    return cli


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_change_without_a_reason_is_refused_and_changes_nothing(seeded, tmp_path, command):
    head = seeded("audit", "head").stdout
    args = [arg.format(dir=tmp_path) for arg in COMMANDS[command]]
    refused = seeded(*command.split(), *args, check=False)
    assert refused.returncode != 0, refused.stdout
    lines = refused.stderr.strip().splitlines()
    last_line = lines[-1]
    if command.endswith(" import"):  # the row at fault, and what it lacks
        assert lines[0].endswith(".csv line 2: reason is required"), refused.stderr
    else:
        assert last_line.endswith("the following arguments are required: --reason"), last_line
    assert seeded("audit", "head").stdout == head
    # The same command with a reason is a change: the reason was all it lacked.
    seeded(*command.split(), *args, "--reason", "given")
    assert seeded("audit", "head").stdout != head
