"""`screening serve` and `screening init`: the two commands that create the
databases (every other command refuses one that is not there)."""

from __future__ import annotations

import argparse

from screening.cli.output import printable
from screening.cli.parser import Parents
from screening.config import Settings


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    serve = commands.add_parser("serve", parents=[parents.common], help="run the gRPC server")
    serve.add_argument("--listen", help="HOST:PORT for gRPC (default: 127.0.0.1:50051; port 0 picks one)")
    serve.add_argument("--metrics-listen", help="HOST:PORT for /metrics (default: 127.0.0.1:9464; '' turns it off)")
    serve.add_argument("--allow-unauthenticated", action="store_true", default=None,
                       help="serve with no [clients] configured: anyone who can reach the port may screen calls "
                            "for every facility (logged as a warning at start)")
    serve.set_defaults(run=_serve, server=True)  # a long-running process: JSON logs on stdout (cli/main.py)
    init = commands.add_parser("init", parents=[parents.common],
                               help="create the database and the decision log (owner-only), or upgrade their schema")
    init.set_defaults(run=_init)


def _serve(args, settings: Settings) -> None:
    from screening.bootstrap import serve

    serve(settings)


def _init(args, settings: Settings) -> None:
    from pathlib import Path

    from screening.adapters.database import is_postgres_url, sqlite_path
    from screening.adapters.sqlite.decision_log import SqliteDecisionLog
    from screening.adapters.sqlite.store import SqliteStore
    from screening.bootstrap import decision_log_path, shared_decision_log

    if is_postgres_url(settings.database):
        _init_postgres("the lists", "lists", settings.database)
    else:
        _init_sqlite("database", Path(sqlite_path(settings.database)), SqliteStore)
    if shared_decision_log(settings):
        _init_postgres("the decision log", "decisions", settings.decision_log or settings.database)
    else:
        _init_sqlite("decision log", decision_log_path(settings), SqliteDecisionLog)


def _init_sqlite(what: str, path, opener) -> None:
    """A SQLite file, created owner-only (the lists name victims and witnesses), or upgraded."""
    existed = path.exists()
    with opener(path) as opened:
        migrated = opened.migrated
    if not existed:
        print(f"created {what} {printable(path)} (owner-only)")
    elif migrated:
        print(f"{what} {printable(path)} exists; upgraded it to schema version {migrated[-1]}")
    else:
        print(f"{what} {printable(path)} exists; its schema is current")


def _init_postgres(what: str, component: str, url: str) -> None:
    """A component's tables in the URL's schema, created or upgraded; no
    file (who may read them is the database's grants), no writer or spool."""
    from contextlib import closing

    from screening.adapters.postgres.connection import connect, shown
    from screening.adapters.postgres.migrations import bundled_migrations, migrate

    with closing(connect(url)) as conn:
        migrated = migrate(conn, component)
    where, latest = printable(shown(url)), bundled_migrations(component)[-1].version
    if migrated[:1] == [1]:
        print(f"created {what} in PostgreSQL database {where} (schema version {latest})")
    elif migrated:
        print(f"{what} in PostgreSQL database {where}: upgraded to schema version {latest}")
    else:
        print(f"{what} in PostgreSQL database {where}: schema version {latest}, current")
