"""The decision log's statements on PostgreSQL, shared by the writer (group
commit, spool replay) and the readers: insert many rows at once (with their
side rows, see migration 0003), and read back the answers stored first."""

from __future__ import annotations

import json

import psycopg

from screening.adapters.decision_rows import COLUMNS, NAMES

Key = tuple[str, str]  # (facility_id, call_id)

# The type of each column, in COLUMNS order; text where not named.
_TYPES = {"number_key": "bigint", "at": "double precision", "record": "boolean",
          "max_duration_seconds": "integer", "list_version": "bigint"}
_RECORD = NAMES.index("record")

# The rows go as one JSON parameter, an array of arrays in COLUMNS order:
# json.dumps costs a sixth of the client's CPU that one array parameter a
# column costs psycopg to dump (4 against 29 µs a row), and the statement's
# text is the same for 1 row or 500, so the server plans it once. As one
# autocommit statement it is one transaction and one round trip.
_NAME = NAMES.index("called_party_name")
# A privileged call's name is dropped here too: a spool written by an
# earlier version (which kept it) may be replayed into this one.
# A row spooled by a version before call prints is one column short: its
# print is '' (decision_rows.to_logged compares such a row by what it kept).
_PRINT = NAMES.index("call_print")
_FIELDS = ", ".join(
    f"CASE WHEN (r->>{_RECORD})::boolean THEN r->>{i} ELSE '' END" if i == _NAME
    else f"coalesce(r->>{i}, '')" if i == _PRINT
    else f"(r->>{i})::{_TYPES.get(name, 'text')}" for i, name in enumerate(NAMES))
# The decisions inserted (ON CONFLICT skips a call already logged) bring
# their findings' rows and their called parties' names in the same
# statement, so the same transaction; names in order, so two replicas adding
# the same new names take their locks in one order.
INSERT = (f"WITH new AS (INSERT INTO decisions ({COLUMNS}, replica) SELECT {_FIELDS}, %s::text "
          "FROM json_array_elements(%s::json) AS r "
          "ON CONFLICT (facility_id, call_id) DO NOTHING "
          "RETURNING id, facility_id, call_id, at, called_party_name, findings), "
          "findings AS (INSERT INTO decision_findings (decision_id, n, reason, entry_id, at) "
          "SELECT new.id, f.n - 1, f.v->>0, f.v->>3, new.at "
          "FROM new, json_array_elements(new.findings::json) WITH ORDINALITY AS f(v, n)), "
          "names AS (INSERT INTO called_names (name) SELECT DISTINCT called_party_name FROM new "
          "WHERE called_party_name <> '' ORDER BY 1 ON CONFLICT DO NOTHING) "
          "SELECT facility_id, call_id FROM new")
_STORED = (f"SELECT {COLUMNS} FROM decisions "
           "WHERE (facility_id, call_id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))")
FIND = f"SELECT {COLUMNS} FROM decisions WHERE facility_id = %s AND call_id = %s"
CALL_KEY = "SELECT key FROM call_key"
# After a prune (whose findings' rows go by the foreign key's cascade): the
# names no decision holds any longer go too (retention).
FORGET_NAMES = ("DELETE FROM called_names n WHERE NOT EXISTS (SELECT 1 FROM decisions "
                "WHERE called_party_name = n.name AND called_party_name <> '')")


def key(row: tuple) -> Key:
    return row[0], row[1]


def as_row(stored: tuple) -> tuple:
    """A row read from the table as decision_rows makes it (record 0 or 1)."""
    return stored[:_RECORD] + (int(stored[_RECORD]),) + stored[_RECORD + 1:]


def insert(conn: psycopg.Connection, rows: list[tuple], replica: str) -> tuple[set[Key], dict[Key, tuple]]:
    """Insert rows (unique keys) in one statement; returns the keys inserted
    and, for the others, the row stored first (by another replica, or by
    an earlier try of this one). conn: autocommit.

    Ids follow the rows' order: the order the calls were answered in (or
    spooled). Two replicas inserting the same two calls in opposite orders
    at the same moment deadlock; the server aborts one, whose batch is
    spooled and replayed a moment later."""
    inserted = {tuple(found) for found in conn.execute(INSERT, (replica, json.dumps(rows, ensure_ascii=False)))}
    others = [key(row) for row in rows if key(row) not in inserted]
    return inserted, (stored(conn, others) if others else {})


def stored(conn: psycopg.Connection, keys: list[Key]) -> dict[Key, tuple]:
    """The stored rows of these calls, as decision_rows makes them. Read
    after the insert, so in a statement of its own: it sees the rows that
    the insert found committed by others."""
    facilities, calls = zip(*keys, strict=True)
    return {key(row): as_row(row) for row in conn.execute(_STORED, (list(facilities), list(calls)))}
