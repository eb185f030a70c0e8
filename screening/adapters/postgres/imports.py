"""Bulk imports into PostgreSQL, in the import's one transaction: the rows
COPYed into a temporary table as they are read, then inserted with ON
CONFLICT DO NOTHING, the duplicates told from what was added, and the added
rows read back for the change log, all in SQL. The caller takes the chain head's lock between stage() and the rest,
so that reading (and validating) a long file holds no lock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

import psycopg
from psycopg import sql

from screening.adapters import table_codec
from screening.adapters.postgres.change_log import RowsWriter
from screening.domain.entries import Entry
from screening.domain.records import Record

_STAGED = sql.Identifier("import_rows")
_ADDED = sql.Identifier("import_added")
# Rows a change_rows chunk holds and a fetch reads, as SQLite's batches.
_CHUNK = 5_000


def stage(conn: psycopg.Connection, entry_type: type, rows: Iterable[tuple[int, Entry, str]]) -> int:
    """COPY the rows into a temporary table, dropped at the transaction's
    end; each keeps its place in the file (position) and its line. Returns
    how many there are. An error from `rows` goes through: nothing is kept."""
    own = table_codec.own_columns(entry_type)
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in ("position", "line", *own, "reason"))
    # COLLATE "C", as the list's columns: keys compare as they do there.
    texts = sql.SQL(", ").join(sql.SQL('{} text COLLATE "C" NOT NULL').format(sql.Identifier(c))
                               for c in (*own, "reason"))
    conn.execute(sql.SQL("CREATE TEMPORARY TABLE {} (position bigint NOT NULL, line bigint NOT NULL, {}) "
                         "ON COMMIT DROP").format(_STAGED, texts))
    write = table_codec.writer(entry_type)
    count = 0
    with conn.cursor() as cursor, cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(_STAGED, columns)) as copy:
        for count, (line, entry, reason) in enumerate(rows, 1):
            copy.write_row((count, line, *write(entry), reason))
    conn.execute(sql.SQL("ANALYZE {}").format(_STAGED))  # a temporary table has no statistics: plan with some
    return count


def insert(conn: psycopg.Connection, entry_type: type, stamp: tuple[str, str]) -> int:
    """Add the staged rows in file order, created at stamp[0] by stamp[1];
    returns how many were added. ON CONFLICT DO NOTHING decides which: a row
    whose key the list has, or an earlier row of the file added, is skipped.
    The keys added are kept (import_added) to tell the duplicates apart and to
    read the added rows back; nothing assumes how ids are handed out."""
    key = sql.SQL(", ").join(map(sql.Identifier, entry_type.KEY))
    own = sql.SQL(", ").join(sql.Identifier(c) for c in table_codec.own_columns(entry_type))
    audit = sql.SQL(", ").join(map(sql.Identifier, ("created_at", "created_by", "reason")))
    conn.execute(sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
        _ADDED, key, sql.Identifier(entry_type.LIST)))
    # The sequence hands out ids in this order, with gaps where it likes.
    return conn.execute(sql.SQL(
        "WITH added AS (INSERT INTO {table} ({own}, {audit}) SELECT {own}, %s, %s, reason FROM {staged} "
        "ORDER BY position ON CONFLICT DO NOTHING RETURNING {key}) INSERT INTO {kept} SELECT {key} FROM added").format(
        table=sql.Identifier(entry_type.LIST), own=own, audit=audit, staged=_STAGED, key=key, kept=_ADDED),
        stamp).rowcount


def report_duplicates(conn: psycopg.Connection, entry_type: type, on_duplicate: Callable[[int, bool], None]) -> None:
    """Tell of every staged row insert() skipped, in file order, as SQLite
    does: one whose key was not added at all was in the list before (in_file
    False); one whose key was added by an earlier row repeats it (in_file
    True). Nothing is held here: a file of nothing but duplicates is a
    million of them."""
    key = [sql.Identifier(c) for c in entry_type.KEY]
    query = sql.SQL(
        "SELECT line, added FROM (SELECT s.line, s.position, a.{first} IS NOT NULL AS added, "
        "row_number() OVER (PARTITION BY {skey} ORDER BY s.position) AS nth "
        "FROM {staged} s LEFT JOIN {kept} a ON {same}) ranked WHERE NOT added OR nth > 1 ORDER BY position").format(
        first=key[0], skey=sql.SQL(", ").join(sql.SQL("s.{}").format(k) for k in key), staged=_STAGED, kept=_ADDED,
        same=sql.SQL(" AND ").join(sql.SQL("a.{0} = s.{0}").format(k) for k in key))
    with conn.cursor(name="import_duplicates") as cursor:
        cursor.itersize = _CHUNK
        cursor.execute(query)
        for line, in_file in cursor:
            on_duplicate(line, in_file)


def log_rows(conn: psycopg.Connection, entry_type: type, logged: RowsWriter) -> None:
    """Write what insert() added to the change log's rows, by id."""
    records = _added_records(conn, entry_type)
    try:
        for batch in _batches(records, _CHUNK):
            logged.write(batch)
    finally:
        records.close()  # its cursor, now: not once the connection is back in the pool


def _added_records(conn: psycopg.Connection, entry_type: type) -> Iterator[Record]:
    """The entries just added, by id: the list's rows with a key insert() added."""
    columns = table_codec.columns(entry_type)
    query = sql.SQL("SELECT {} FROM {} t JOIN {} s USING ({}) ORDER BY t.id").format(
        sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in columns),
        sql.Identifier(entry_type.LIST), _ADDED, sql.SQL(", ").join(map(sql.Identifier, entry_type.KEY)))
    # A server-side cursor: a million rows are read a chunk at a time.
    with conn.cursor(name="import_added") as cursor:
        cursor.itersize = _CHUNK
        cursor.execute(query)
        for row in cursor:
            yield table_codec.record_of_row(entry_type.LIST, dict(zip(columns, row)))


def _batches(items: Iterable, size: int) -> Iterator[list]:
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch
