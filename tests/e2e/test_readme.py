"""The README's walkthrough, run as written: its commands work and `check`
prints what the README shows."""

import re
import shlex
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")


def walkthrough() -> tuple[list[list[str]], str]:
    """(the `screening` commands of the walkthrough, the `check` output shown after them)."""
    section = README[README.index("### Walkthrough"):]
    commands = re.search(r"```sh\n(.*?)```", section, re.S)[1].replace("\\\n", " ")
    shown = re.search(r"explains every finding:\n\n```\n(.*?)```", section, re.S)[1]
    return [shlex.split(line)[1:] for line in commands.splitlines() if line.startswith("screening ")], shown


def test_the_walkthrough_runs_as_written(cli):
    commands, shown = walkthrough()
    assert [command[:2] for command in commands] == [
        ["allowlist", "add"], ["privileged", "add"], ["blocklist", "add"], ["allowlist", "list"], ["check", "--facility"]]
    outputs = [cli(*command).stdout for command in commands]
    assert outputs[-1] == shown
    assert "Ibu Siti" in outputs[3] and "mother" in outputs[3]
