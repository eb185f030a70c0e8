"""Upgrades SQL alone cannot do, run inside their migration's transaction.

0004, the change log: the audit log's rows become the start of the chain
(hashed as they were written), then the lists as they stand become one
baseline entry with every entry as its rows, so the log replays to exactly
the current lists from then on (one baseline per list). The audit log is dropped: it lives on in the
chain.
"""

from __future__ import annotations

import json
import sqlite3

from screening.adapters.sqlite import change_log
from screening.adapters.table_codec import record_of_row
from screening.domain.changelog import LogEntry
from screening.domain.records import fields_of

LISTS = ("allowlist", "privileged", "blocklist", "watchlist")
_BATCH = 5000


def change_log_from_audit_log(conn: sqlite3.Connection) -> None:
    legacy = conn.execute("SELECT at, actor, action, list, entry_id, reason, entry, list_version FROM audit_log "
                          "ORDER BY id").fetchall()
    versions = [row[7] for row in legacy]
    renumber = any(b <= a for a, b in zip([0, *versions], versions))
    for number, (at, actor, action, list_name, entry_id, reason, entry, version) in enumerate(legacy, 1):
        kept = json.loads(entry)
        details = {"legacy": True, **({"original_version": version} if renumber else {})}
        if action == "import":
            details["import"] = kept
        change_log.append(conn, LogEntry(
            number if renumber else version, at, actor, reason, action, list_name, entry_id,
            before=kept if action == "remove" else None, after=kept if action == "add" else None,
            details=details), key=None)
        conn.execute("UPDATE list_version SET version = ?", (number if renumber else version,))
    counts = {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in LISTS}
    if legacy or any(counts.values()):
        for name in LISTS:
            version = change_log.next_version(conn)
            rows = change_log.RowsWriter(conn, version)
            for batch in _records(conn, name):
                rows.write(batch)
            change_log.append(conn, LogEntry(
                version, change_log.now(), "screening", "upgrade to the change log: the list as it stood",
                "baseline", name), key=None, rows=rows)
    conn.execute("DROP TABLE audit_log")


def _records(conn: sqlite3.Connection, list_name: str):
    columns = fields_of(list_name)
    cursor = conn.execute(f"SELECT {', '.join(columns)} FROM {list_name} ORDER BY id")
    while batch := cursor.fetchmany(_BATCH):
        yield [record_of_row(list_name, dict(zip(columns, row))) for row in batch]
