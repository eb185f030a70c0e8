"""Versioned schema migrations as files: NNNN_name.sql, numbered 1..n,
shipped in the package; each backend applies them its own way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable

from screening.service.ports import StoreError

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled(package: str, folder: str) -> list[Migration]:
    """The migrations shipped in a package's folder ("lists" or "decisions")."""
    migrations = load_migrations(resources.files(package).joinpath(folder))
    if not migrations:
        # An install that lost its data files must not start on an empty schema.
        raise StoreError(f"no {folder} migrations found in the installed package; reinstall screening")
    return migrations


def load_migrations(folder: Traversable) -> list[Migration]:
    found = []
    for item in folder.iterdir():
        match = _NAME.match(item.name)
        if match:
            found.append(Migration(int(match[1]), match[2], item.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise StoreError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found
