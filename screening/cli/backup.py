"""`screening backup DIR_OR_FILE`: a verified copy of the SQLite lists'
database and decision log, taken while the server serves
(adapters/sqlite/backup.py). PostgreSQL has its own tool, pg_dump."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from screening.adapters.database import is_postgres_url, sqlite_path
from screening.adapters.postgres.urls import shown
from screening.cli.parser import Parents
from screening.config import Settings
from screening.service.ports import StoreError


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    backup = commands.add_parser(
        "backup", parents=[parents.common],
        help="copy the SQLite database and decision log, verified, while the server serves")
    backup.add_argument("target", metavar="DIR_OR_FILE",
                        help="a folder (the copies keep the files' names) or the lists' copy's file name "
                             "(the decision log goes beside it as NAME-decisions.db); never overwritten")
    backup.set_defaults(run=_backup)


def _backup(args, settings: Settings) -> None:
    from screening.adapters.sqlite.backup import back_up, targets
    from screening.bootstrap import decision_log_path

    for database in (settings.database, settings.decision_log):
        if database and is_postgres_url(database):
            raise StoreError(pg_dump_advice(database, args.target))
    lists, log = Path(sqlite_path(settings.database)), decision_log_path(settings)
    for path, what in ((lists, "database"), (log, "decision log")):
        if not path.exists():
            raise StoreError(f"no {what} at {path}")
    lists_target, log_target = targets(Path(args.target), lists, log)
    made = back_up(lists, log, lists_target, log_target, settings.audit_key())
    print(f"wrote {made.lists}: list version {made.list_version}, change log intact ({made.change_log_entries} "
          f"entries), integrity ok")
    print(f"wrote {made.decision_log}: {made.decisions} decisions, integrity ok")


def pg_dump_advice(url: str, target: str) -> str:
    """What to run instead: the engine's own tool copies a live database consistently."""
    dump = Path(target) / "screening.pgdump" if Path(target).is_dir() else Path(target)
    command = shlex.join(["pg_dump", "--format=custom", f"--file={dump}", shown(url)])
    return (f"{shown(url)} is PostgreSQL: back it up with its own tool, e.g. `{command}` "
            f"(restore with pg_restore), or the provider's point-in-time recovery")
