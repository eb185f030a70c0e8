"""Bulk imports into PostgreSQL, in the import's one transaction: the rows
COPYed into a temporary table as they are read, then the duplicates found,
the rest inserted and the added rows read back for the change log, all in
SQL. The caller takes the chain head's lock between stage() and the rest,
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
from screening.service.ports import StoreError

_STAGED = sql.Identifier("import_rows")
_DUPLICATES = sql.Identifier("import_duplicates")
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


def report_duplicates(conn: psycopg.Connection, entry_type: type, on_duplicate: Callable[[int, bool], None]) -> int:
    """Tell of every staged row not to add, in file order, as SQLite does: a
    row whose key the list has (in_file False), else one whose key an earlier
    row has (in_file True). Returns how many there are. In the transaction
    that holds the chain head: the list cannot change meanwhile. Nothing is
    held here: a file of nothing but duplicates is a million of them."""
    key = [sql.Identifier(c) for c in entry_type.KEY]
    conn.execute(sql.SQL(
        "CREATE TEMPORARY TABLE {duplicates} ON COMMIT DROP AS SELECT position, line, present FROM ("
        " SELECT s.position, s.line, row_number() OVER (PARTITION BY {key} ORDER BY s.position) AS nth,"
        " EXISTS (SELECT 1 FROM {table} t WHERE {same}) AS present FROM {staged} s) ranked "
        "WHERE present OR nth > 1").format(
        duplicates=_DUPLICATES, key=sql.SQL(", ").join(sql.SQL("s.{}").format(k) for k in key),
        table=sql.Identifier(entry_type.LIST), staged=_STAGED,
        same=sql.SQL(" AND ").join(sql.SQL("t.{0} = s.{0}").format(k) for k in key)))
    with conn.cursor(name="import_duplicates") as cursor:
        cursor.itersize = _CHUNK
        cursor.execute(sql.SQL("SELECT line, present FROM {} ORDER BY position").format(_DUPLICATES))
        for line, present in cursor:
            on_duplicate(line, not present)
    return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(_DUPLICATES)).fetchone()[0]


def insert(conn: psycopg.Connection, entry_type: type, stamp: tuple[str, str], logged: RowsWriter) -> None:
    """Add the staged rows but the duplicates, in file order, created at
    stamp[0] by stamp[1], and write what was added to the change log's rows."""
    conn.execute(sql.SQL("DELETE FROM {} s USING {} d WHERE s.position = d.position").format(_STAGED, _DUPLICATES))
    own = sql.SQL(", ").join(sql.Identifier(c) for c in table_codec.own_columns(entry_type))
    audit = sql.SQL(", ").join(map(sql.Identifier, ("created_at", "created_by", "reason")))
    # No ON CONFLICT: no key is there (the chain head's lock kept screening's
    # writers out), and checking each row for one costs a third more.
    # The sequence hands out ids in this order, with gaps where it likes.
    try:
        conn.execute(sql.SQL("INSERT INTO {} ({}, {}) SELECT {}, %s, %s, reason FROM {} ORDER BY position").format(
            sql.Identifier(entry_type.LIST), own, audit, own, _STAGED), stamp)
    except psycopg.errors.UniqueViolation:
        raise StoreError(f"the {entry_type.LIST} changed while importing into it, outside screening; "
                         "nothing was imported, try again") from None
    records = _added_records(conn, entry_type)
    try:
        for batch in _batches(records, _CHUNK):
            logged.write(batch)
    finally:
        records.close()  # its cursor, now: not once the connection is back in the pool


def _added_records(conn: psycopg.Connection, entry_type: type) -> Iterator[Record]:
    """The entries just added, by id: the list's rows with a key still staged
    (every one of them was added, or insert() raised)."""
    columns = table_codec.columns(entry_type)
    query = sql.SQL("SELECT {} FROM {} t JOIN {} s USING ({}) ORDER BY t.id").format(
        sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in columns),
        sql.Identifier(entry_type.LIST), _STAGED, sql.SQL(", ").join(map(sql.Identifier, entry_type.KEY)))
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
