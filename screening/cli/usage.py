"""How the command line answers a mistake and a --help.

A usage error is one line, `screening blocklist add: error: ...`, exit status
2 (argparse's convention): the whole usage block before it buried the one
thing that was wrong. An option the command does not have is named as such,
with the closest one it has, before any "required" complaint that it caused.
`--help` shows every default, from one place: the formatter.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import re
import sys
from typing import NoReturn

_OPTION = re.compile(r"--?[A-Za-z]")  # not "-5" or "-": those are values
_SAYS_DEFAULT = re.compile(r"\bdefault\b|%\(default\)", re.IGNORECASE)  # "(default: the OS user)"


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors; its subparsers are of this class too."""

    def __init__(self, *args, **kwargs):
        # The health command asked for argparse's defaults formatter; this one
        # is the same with the project's rules (see DefaultsFormatter).
        if kwargs.get("formatter_class") in (None, argparse.ArgumentDefaultsHelpFormatter):
            kwargs["formatter_class"] = DefaultsFormatter
        super().__init__(*args, **kwargs)
        self._arguments: list[str] = []

    def parse_known_args(self, args=None, namespace=None):
        self._arguments = list(sys.argv[1:] if args is None else args)
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            # Each parser names its own strays, by its own name (a command's
            # never reach its group: it stops here first).
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras

    def error(self, message: str) -> NoReturn:
        unknown = self._unknown_option()
        if unknown:
            message = unknown
        self.exit(2, f"{self.prog}: error: {message}\n")

    def _commands(self) -> dict[str, argparse.ArgumentParser]:
        return {name: sub for action in self._actions if isinstance(action, argparse._SubParsersAction)
                for name, sub in action.choices.items()}

    def _unknown_option(self) -> str:
        """'unknown option --reson (did you mean --reason?)' for the first
        option given to this parser that it does not have, else ''."""
        commands = self._commands()
        value_follows = False
        for argument in self._arguments:
            if value_follows:
                value_follows = False
                continue
            if argument == "--" or argument in commands:
                break  # what follows is a value, or the subcommand's to judge
            option = argument.split("=", 1)[0]
            if not _OPTION.match(option):
                if commands:
                    break  # where the command should be: the rest is its, the error argparse's
                continue
            action = self._known(option)
            if action is None:
                close = difflib.get_close_matches(option, list(self._option_string_actions), n=1, cutoff=0.6)
                return f"unknown option {option}" + (f" (did you mean {close[0]}?)" if close else "")
            value_follows = "=" not in argument and action.nargs is None
        return ""

    def _known(self, option: str) -> argparse.Action | None:
        if option in self._option_string_actions:
            return self._option_string_actions[option]
        # A unique abbreviation (--reas for --reason) is argparse's to accept.
        matches = [a for k, a in self._option_string_actions.items() if self.allow_abbrev and option.startswith("--")
                   and k.startswith(option)]
        return matches[0] if len(set(matches)) == 1 else (argparse.Action([], "") if matches else None)


class DefaultsFormatter(argparse.HelpFormatter):
    """Appends "(default: X)" to every option that has a default worth
    showing, unless its help already says what the default is."""

    def _format_action(self, action: argparse.Action) -> str:
        if not action.help and _shows_default(action):
            # argparse prints no help column for an option without help text.
            action = copy.copy(action)
            action.help = "(default: %(default)s)"
        return super()._format_action(action)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if _shows_default(action) and not _SAYS_DEFAULT.search(text):
            text = f"{text} (default: %(default)s)".strip()
        return text


def _shows_default(action: argparse.Action) -> bool:
    """None, '', False and [] mean "not given": nothing to show. Positionals
    have no default unless optional."""
    default = action.default
    if default is None or default is False or default is argparse.SUPPRESS or default in ("", [], ()):
        return False
    if action.help == argparse.SUPPRESS:
        return False
    return bool(action.option_strings) or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE)

