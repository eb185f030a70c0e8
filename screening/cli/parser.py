"""What the commands share on the command line: the root parser, the parent
parsers that give many commands the same flags, groups of actions
(`screening allowlist add`), and reading --actor and --reason into a change."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from screening import __version__
from screening.cli.output import FORMATS
from screening.cli.usage import Parser
from screening.domain.entries import Change
from screening.service import list_changes
from screening.service.ports import Store


@dataclass(frozen=True)
class Parents:
    common: argparse.ArgumentParser  # every command: --database, --config
    change: argparse.ArgumentParser  # every change: --reason, --actor
    listing: argparse.ArgumentParser  # every listing: --format


def root() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction, Parents]:
    """The `screening` parser, the subparsers its commands are added to, and the parents."""
    common = Parser(add_help=False)
    # Before the command or after it (`screening --database X allowlist list`
    # or `screening allowlist list --database X`): on the root and on every
    # command. SUPPRESS here, so that a command's "not given" does not
    # overwrite the root's value; given after the command, it wins.
    _store_options(common, default=argparse.SUPPRESS)
    change = Parser(add_help=False)
    change.add_argument("--reason", required=True, help="why this change is made (audited)")
    change.add_argument("--actor", help="a display name shown beside who really makes it (the OS user, or the "
                                        "PostgreSQL role), which it never replaces")
    listing = Parser(add_help=False)
    listing.add_argument("--format", choices=FORMATS, default="table")

    parser = Parser(prog="screening", description="Call screening for inmate phone systems.",
                    epilog="Exit status: 0 done, 1 an error (one line on stderr), 2 a usage error "
                           "(check --exit-code has its own).")
    parser.add_argument("--version", action="version", version=f"screening {__version__}")
    _store_options(parser, default=None)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    return parser, commands, Parents(common, change, listing)


def _store_options(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument("--database", default=default,
                        help="SQLite file path, sqlite:/// or postgresql:// URL (default: screening.db)")
    parser.add_argument("--config", default=default, help="TOML config file (default: $SCREENING_CONFIG)")


def group(commands: argparse._SubParsersAction, name: str, help_text: str) -> argparse._SubParsersAction:
    """A command made of actions, `screening NAME ACTION`; returns what the actions are added to."""
    parser = commands.add_parser(name, help=help_text)
    _store_options(parser, default=argparse.SUPPRESS)  # `screening allowlist --database X list` too
    return parser.add_subparsers(dest="action", required=True, metavar="ACTION")


def change_of(args: argparse.Namespace, store: Store, reason: str | None = None) -> Change:
    """Who makes a change (the identity the store knows: Store.identity; --actor
    is only a display name beside it) and why (`reason`, else --reason), validated."""
    return list_changes.change(store.identity(), args.reason if reason is None else reason, args.actor or "")
