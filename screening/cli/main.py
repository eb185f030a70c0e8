"""The admin CLI: `screening serve|init|allowlist|privileged|blocklist|watchlist|approvals|check|audit|history|decisions|alerts|report|health`.

Each command is a module of this package that adds its parser and handler
(`run`); this one puts them in order and runs one, turning every expected
failure into one line on stderr and exit status 1 (a usage error: one line
and exit status 2, from cli/usage.py).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys

from screening.adapters import json_logs
from screening.cli import alerts, approvals, audit, backup, bulk, check, clients, completion, decisions, demo, health, lists, parser, policy, report, serve
from screening.config import ConfigError, load_settings
from screening.domain.errors import InvalidEntry, InvalidRequest
from screening.domain.policy import PolicyError
from screening.service.ports import StoreError


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config, database=args.database, listen=getattr(args, "listen", None),
                                 metrics_listen=getattr(args, "metrics_listen", None),
                                 allow_unauthenticated=getattr(args, "allow_unauthenticated", None))
        _configure_logging(args, settings)
        return args.run(args, settings) or 0
    except (ConfigError, PolicyError, StoreError, InvalidEntry, InvalidRequest, OSError) as error:
        print(f"screening: error: {error}", file=sys.stderr)
        return 1
    except sqlite3.Error as error:  # what the store did not say better: a damaged file, say
        print(f"screening: error: database error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _configure_logging(args, settings) -> None:
    """`serve` logs JSON lines on stdout (for log collectors and supervisors);
    the other commands keep stdout for their output and log text on stderr."""
    serving = getattr(args, "server", False)
    fmt = settings.log_format or ("json" if serving else "text")
    json_logs.configure(settings.log_level, fmt == "json", sys.stdout if serving and fmt == "json" else sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    """Every command, in the order `screening --help` lists them."""
    root, commands, parents = parser.root()
    serve.register(commands, parents)
    actions = lists.register(commands, parents)  # allowlist, privileged, blocklist, watchlist: add, remove, list
    bulk.register(actions, parents)  # their import, and export
    approvals.register(commands, parents)  # two-person changes: what [approvals] holds
    check.register(commands, parents)
    audit.register(commands, parents)  # and history, its old name
    decisions.register(commands, parents)
    alerts.register(commands, parents)  # hot numbers, for the monitoring feed
    report.register(commands, parents)
    health.register(commands, parents)  # for probes: the image's HEALTHCHECK
    clients.register(commands, parents)  # clients token: a bearer token and the hash to configure
    demo.register(commands, parents)  # seeds a temporary store, runs the server, screens sample calls
    policy.register(commands, parents)  # policy show: the policy in effect
    backup.register(commands, parents)  # SQLite: a verified copy while serving; PostgreSQL: pg_dump
    completion.register(commands, parents)  # a bash completion script, written from this parser
    return root


if __name__ == "__main__":
    sys.exit(main())
