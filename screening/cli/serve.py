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
    serve.set_defaults(run=_serve)
    init = commands.add_parser("init", parents=[parents.common],
                               help="create the database and the decision log (owner-only), or upgrade their schema")
    init.set_defaults(run=_init)


def _serve(args, settings: Settings) -> None:
    from screening.bootstrap import serve

    serve(settings)


def _init(args, settings: Settings) -> None:
    from pathlib import Path

    from screening.adapters.database import sqlite_path
    from screening.adapters.postgres.urls import is_postgres_url
    from screening.adapters.sqlite.decision_log import SqliteDecisionLog
    from screening.adapters.sqlite.store import SqliteStore
    from screening.bootstrap import decision_log_path

    if is_postgres_url(settings.database):
        _init_postgres(settings)
    else:
        _init_sqlite("database", Path(sqlite_path(settings.database)), SqliteStore)
    path = decision_log_path(settings)
    if path is not None:  # None: lists in PostgreSQL; TODO(open_decision_log): its decision log there too
        _init_sqlite("decision log", path, SqliteDecisionLog)


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


def _init_postgres(settings: Settings) -> None:
    """The lists' tables in the URL's schema, created or upgraded (no file:
    who may read them is the database's grants)."""
    from screening.adapters.postgres.store import PostgresStore
    from screening.adapters.postgres.urls import shown

    with PostgresStore(settings.database, mode="rwc") as store:
        migrated, url = store.migrated, printable(shown(settings.database))
    if migrated[:1] == [1]:
        print(f"created the lists in PostgreSQL database {url} (schema version {migrated[-1]})")
    elif migrated:
        print(f"database {url} exists; upgraded it to schema version {migrated[-1]}")
    else:
        print(f"database {url} exists; its schema is current")
