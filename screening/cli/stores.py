"""How commands open the databases. Only `serve` and `init` create one: a
command that reads opens it read-only, a change read-write, and either refuses
a database that is not there, since a mistyped --database would otherwise
show empty lists, or put a change into a file no server reads."""

from __future__ import annotations

from pathlib import Path

from screening.adapters.database import is_postgres_url, open_store, sqlite_path
from screening.config import Settings
from screening.service.ports import Store, StoreError


def reading(settings: Settings) -> Store:
    """The store, read-only: what an auditor with read access can open."""
    return open_store(_existing(settings), "ro")


def changing(settings: Settings) -> Store:
    return open_store(_existing(settings), "rw", settings.audit_key())


def _existing(settings: Settings) -> str:
    if is_postgres_url(settings.database):
        return settings.database  # the store refuses a database without the lists itself
    path = sqlite_path(settings.database)
    if not Path(path).exists():  # PermissionError when its folder may not be searched
        raise StoreError(f"no database at {path}; create it with 'screening init --database {path}' "
                         f"or by starting 'screening serve --database {path}'")
    return settings.database
