"""The columns of every list, as files and the CLI show them: one list, so an
export, a listing and an import agree."""

from __future__ import annotations

from dataclasses import dataclass

# What an export adds for information; an import ignores these columns.
INFORMATION = ("id", "created_at", "created_by")


@dataclass(frozen=True)
class FileColumns:
    """The columns an import file of one list may have."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    text_column: str = ""  # the one column of a plain text file; "" = CSV only


IMPORTS = {
    "blocklist": FileColumns(("pattern", "category", "action", "reason", "source", "expires_at", "scope"),
                             ("pattern",), "pattern"),
    "allowlist": FileColumns(("inmate_id", "number", "name", "relationship", "facility_id", "reason"),
                             ("inmate_id", "number", "name")),
    "privileged": FileColumns(("number", "name", "kind", "reason"), ("number", "name")),
    # Aliases are separated by "|" in one cell.
    "watchlist": FileColumns(("name", "aliases", "category", "action", "reason", "scope"), ("name",)),
}

# What `screening LIST list` shows, in order.
LISTING = {
    "allowlist": ("id", "inmate_id", "facility_id", "number", "name", "relationship", "created_at", "created_by",
                  "reason"),
    "privileged": ("id", "number", "name", "kind", "created_at", "created_by", "reason"),
    "watchlist": ("id", "name", "aliases", "category", "action", "scope", "created_at", "created_by", "reason"),
    "blocklist": ("id", "pattern", "category", "action", "scope", "expires_at", "source", "created_at",
                  "created_by", "reason"),
}
