"""docs/cli.md is what every `screening ... --help` prints, kept in step by
this test: change a command, then regenerate the page."""

from pathlib import Path

import pytest

from screening.cli import reference
from screening.cli.main import build_parser, main

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_docs_cli_md_is_current():
    if PAGE.read_text("utf-8") != reference.reference():
        pytest.fail(f"docs/cli.md is stale: run `{reference.COMMAND}`", pytrace=False)


def test_the_page_has_every_command_as_its_help_prints_it(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", str(reference.WIDTH))
    page = reference.reference()
    progs = [command.prog for command in reference.commands(build_parser())]
    assert {"screening allowlist import", "screening privileged import", "screening blocklist export",
            "screening audit verify", "screening history", "screening decisions list"} <= set(progs)
    for prog in progs:
        with pytest.raises(SystemExit):
            main([*prog.split()[1:], "--help"])
        printed = capsys.readouterr().out
        assert f"## `{prog}`\n\n```text\n{printed}```\n" in page, prog


def test_the_page_does_not_depend_on_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = reference.reference()
    monkeypatch.delenv("COLUMNS")
    assert narrow == reference.reference()
    assert "usage: screening blocklist import [-h]" in narrow
