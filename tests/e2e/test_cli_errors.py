"""What the CLI says when it is used wrong: one line, naming what is wrong.

In-process (`main([...])`) where the test is about argument handling, on a
real SQLite file `screening init` made; a subprocess where a real process
matters (a port another process holds)."""

import argparse
import json
import re
import shutil

import pytest

from conftest import decision_log
from screening.cli.main import build_parser, main

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _no_screening_environment(monkeypatch):
    import os

    for name in [n for n in os.environ if n.startswith("SCREENING_")]:
        monkeypatch.delenv(name)


def run(capfd, *args) -> tuple[int, str, str]:
    """`screening ARGS` in this process: exit status, stdout, stderr."""
    try:
        code = main(list(args))
    except SystemExit as exit:  # argparse: --help, a usage error
        code = exit.code
    out, err = capfd.readouterr()
    return code, out, err


@pytest.mark.parametrize("args, says", [
    # A mistyped flag is named as such, before the "required" complaint it causes.
    (["blocklist", "add", "+6281234567890", "--reson", "x"],
     "screening blocklist add: error: unknown option --reson (did you mean --reason?)"),
    (["allowlist", "add", "A-1", "0812-3456-7890", "--name", "x", "--reason=y", "--facilty", "F"],
     "screening allowlist add: error: unknown option --facilty (did you mean --facility?)"),
    (["allowlist", "list", "--zzz"], "screening allowlist list: error: unknown option --zzz"),
    (["allowlist", "--zzz", "list"], "screening allowlist: error: unknown option --zzz"),
    (["allowlist", "lst", "--zzz"],  # the first mistake: the action
     "screening allowlist: error: argument ACTION: invalid choice: 'lst' (choose from 'add', 'remove', ..."),
    (["--databse", "x.db", "allowlist", "list"],
     "screening: error: unknown option --databse (did you mean --database?)"),
    (["allowlist", "add", "A-1", "0812-3456-7890", "--name", "x"],
     "screening allowlist add: error: the following arguments are required: --reason"),
    (["allowlist", "add", "A-1", "--reason", "y"],
     "screening allowlist add: error: the following arguments are required: number, --name"),
    (["allowlist", "list", "--format", "xml"],
     "screening allowlist list: error: argument --format: invalid choice: 'xml' (choose from 'table', 'csv', "
     "'json')"),
    (["allowlist", "list", "extra"], "screening allowlist list: error: unrecognized arguments: extra"),
    ([], "screening: error: the following arguments are required: COMMAND"),
])
def test_usage_errors_are_one_line_and_exit_2(cli, capfd, args, says):
    code, out, err = run(capfd, *args, "--database", str(cli.database))
    assert (code, out, err.count("\n"), err.endswith("\n")) == (2, "", 1, True)  # one line
    assert err.startswith(says[:-3]) if says.endswith("...") else err == says + "\n"
    assert json.loads(cli("audit", "--format", "json").stdout) == []  # nothing changed


def test_an_unambiguous_abbreviation_is_still_accepted(cli):
    assert json.loads(cli("allowlist", "list", "--form", "json").stdout) == []


def test_database_and_config_go_before_or_after_the_command(cli, capfd, tmp_path):
    other = tmp_path / "other.db"
    shutil.copy2(cli.database, other)
    shutil.copy2(decision_log(cli.database), decision_log(other))
    config = tmp_path / "screening.toml"
    config.write_text('[policy]\nregion = "MY"\n')  # 012-345 6789: a Malaysian mobile, no Indonesian number
    add = ["allowlist", "add", "A-1", "012-345 6789", "--name", "x", "--reason", "y"]
    approved = "approved: +60123456789 (allowlist entry 1)\n"
    duplicate = "screening: error: allowlist already has an entry for "
    assert run(capfd, "--database", str(other), "--config", str(config), *add)[:2] == (0, approved)
    code, _, err = run(capfd, *add, "--database", str(other), "--config", str(config))
    assert code == 1 and err.startswith(duplicate)  # the same database, named after the command
    # Both: the one after the command wins.
    code, _, err = run(capfd, "--database", str(cli.database), *add, "--database", str(other), "--config", str(config))
    assert code == 1 and err.startswith(duplicate)
    assert run(capfd, "--database", str(other), "--config", "x.toml", *add, "--database", str(cli.database),
               "--config", str(config))[:2] == (0, approved)
    # And between the group and its action.
    code, _, err = run(capfd, "allowlist", "--database", str(other), *add[1:], "--config", str(config))
    assert code == 1 and err.startswith(duplicate)


def _walk(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases: once
                yield from _walk(sub)


def _shown_default(action: argparse.Action) -> bool:
    return bool(action.option_strings) and action.default not in (None, "", False, [], argparse.SUPPRESS) \
        and action.help != argparse.SUPPRESS


def test_help_shows_every_default_once():
    checked = 0
    for parser in _walk(build_parser()):
        text = " ".join(parser.format_help().split())
        for action in filter(_shown_default, parser._actions):
            # The option's entry: from its name to the next option's.
            entry = re.search(rf"(?<!\S){re.escape(action.option_strings[-1])}\b.*?(?= --?[a-z][\w-]* |$)", text)
            assert entry, (parser.prog, action.option_strings)
            assert len(re.findall(r"\bdefault\b", entry[0])) == 1, (parser.prog, entry[0])
            checked += 1
    assert checked > 20


def test_help_appends_the_defaults_and_keeps_the_written_ones(capfd):
    _, out, _ = run(capfd, "blocklist", "add", "--help")
    text = " ".join(out.split())
    assert "--category {fraud,victim,witness,official,narcotics,other} (default: fraud)" in text
    assert "--scope SCOPE global, facility:ID or inmate:ID (default: global)" in text
    assert "--actor ACTOR a display name shown beside who really makes it" in text
    assert "(default: )" not in text and "SUPPRESS" not in text
    _, out, _ = run(capfd, "--help")
    assert "2 a usage error" in " ".join(out.split())


def test_a_port_out_of_range_is_refused_naming_the_setting(capfd, tmp_path):
    database = tmp_path / "screening.db"
    config = tmp_path / "screening.toml"
    config.write_text('listen = "x:99999"\n')
    for args, says in [
        (["--listen", "127.0.0.1:70000"], "listen: port 70000 in '127.0.0.1:70000' is out of range (0-65535)"),
        (["--metrics-listen", "127.0.0.1:99999"],
         "metrics_listen: port 99999 in '127.0.0.1:99999' is out of range (0-65535)"),
        (["--config", str(config)], "listen: port 99999 in 'x:99999' is out of range (0-65535)"),
    ]:
        assert run(capfd, "serve", "--database", str(database), *args) == (1, "", f"screening: error: {says}\n")
    assert not database.exists()  # refused before anything was opened


def test_a_port_in_use_is_one_line_naming_the_address(cli):
    """Another process holds the port: `serve` says so in one line, exit 1,
    no traceback and no log line of gRPC's own."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", "import socket, sys\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen()\n"
                               "print(s.getsockname()[1], flush=True)\nsys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(holder.stdout.readline())
        for args in (["--listen", f"127.0.0.1:{port}", "--metrics-listen", ""],
                     ["--listen", "127.0.0.1:0", "--metrics-listen", f"127.0.0.1:{port}"]):
            result = cli("serve", *args, check=False)
            assert (result.returncode, result.stderr) == (
                1, f"screening: error: cannot listen on 127.0.0.1:{port}: address in use\n")
    finally:
        holder.communicate("")


def test_config_errors_name_the_file_the_table_and_the_variable(cli, capfd, tmp_path, monkeypatch):
    config = tmp_path / "screening.toml"
    config.write_text('[facilities.LP-CIPINANG]\ncalling_hours = { sessions = ["08:00-12:00", "17-16"] }\n')
    listed = ["allowlist", "list", "--database", str(cli.database)]
    assert run(capfd, *listed, "--config", str(config)) == (1, "", (
        f"screening: error: {config}: [facilities.LP-CIPINANG] calling_hours.sessions: '17-16' is not "
        "HH:MM-HH:MM with the start before the end\n"))
    monkeypatch.setenv("SCREENING_POLICY_REQUIRE_ALLOWLISTED", "false")
    assert run(capfd, *listed) == (1, "", (
        "screening: error: SCREENING_POLICY_REQUIRE_ALLOWLISTED is not a policy setting "
        "(did you mean SCREENING_POLICY_REQUIRE_ALLOWLIST?)\n"))
