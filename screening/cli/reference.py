"""The CLI reference, docs/cli.md, written from the parser itself: every
command and action with its `--help` as it prints, so the page cannot say
other than the command does.

    python -m screening.cli.reference > docs/cli.md

A test (tests/unit/test_cli_reference.py) fails when the page is stale.
The help is formatted WIDTH columns wide whatever the terminal, so that the
page does not change with the window it was made in.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

WIDTH = 100
COMMAND = "python -m screening.cli.reference > docs/cli.md"


@dataclass(frozen=True)
class Command:
    prog: str  # "screening allowlist add"
    aliases: tuple[str, ...]  # other names of its last word
    summary: str  # the line its parent's --help has for it
    parser: argparse.ArgumentParser


def commands(parser: argparse.ArgumentParser, summary: str = "", aliases: tuple[str, ...] = ()) -> Iterator[Command]:
    """`parser` and every command below it, depth first, in the order `--help` lists them."""
    yield Command(parser.prog, aliases, summary, parser)
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
        names: dict[int, list[str]] = {}  # a parser's names: its own first, then its aliases
        for name, sub in action.choices.items():
            names.setdefault(id(sub), []).append(name)
        for first, *others in names.values():
            yield from commands(action.choices[first], helps.get(first, ""), tuple(others))


def reference(parser: argparse.ArgumentParser | None = None) -> str:
    """docs/cli.md: a contents list, then each command's --help."""
    if parser is None:
        from screening.cli.main import build_parser

        parser = build_parser()
    with columns(WIDTH):
        found = [(command, command.parser.format_help()) for command in commands(parser)]
    lines = ["# `screening` command-line reference", "",
             f"Every command's `--help`, generated from the parser: `{COMMAND}`.",
             "Do not edit it by hand; a test fails when it differs from what the command prints.", ""]
    for command, _ in found[1:]:
        depth = command.prog.count(" ") - 1
        also = f" (also `{'`, `'.join(command.aliases)}`)" if command.aliases else ""
        lines.append(f"{'  ' * depth}- [`{command.prog}`](#{_anchor(command.prog)}){also}: {command.summary}")
    for command, text in found:
        lines += ["", f"## `{command.prog}`", "", "```text", text.rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def columns(width: int):
    """argparse wraps help to $COLUMNS (shutil.get_terminal_size): fix it for a while."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def _anchor(prog: str) -> str:
    """The id GitHub gives the heading "## `PROG`"."""
    return prog.lower().replace(" ", "-")


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8", newline="\n")
    sys.stdout.write(reference())
