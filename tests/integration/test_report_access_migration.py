"""Migration 0006 (SQLite) rebuilds the change log to take report entries:
a database at 0005 with changes and an import comes through with its chain,
its rows and its append-only triggers whole."""

import sqlite3

import pytest

from screening.adapters.sqlite.migrations import bundled_migrations
from screening.adapters.sqlite.store import SqliteStore
from screening.domain.entries import AllowlistEntry, BlockEntry, Change
from screening.service import audit

WHY = Change("tester", "migration test")
KEY = b"m" * 32


def test_a_change_log_at_0005_is_rebuilt_whole(tmp_path):
    path = tmp_path / "a.db"
    before_0006 = [m for m in bundled_migrations() if m.version < 6]
    with SqliteStore(path, migrations=before_0006, audit_key=KEY) as old:
        old.add(BlockEntry("+6281111111111"), WHY)
        rows = [(n, AllowlistEntry(f"A-{n}", f"+628123456{n:04d}", "Ibu"), "visit") for n in range(1, 40)]
        old.import_entries(AllowlistEntry, rows, WHY, lambda line, in_file: None, lambda added: {"file": "a.csv"})
        with pytest.raises(sqlite3.IntegrityError):  # 'report' is not an action yet
            old._conn.execute("INSERT INTO change_log SELECT version + 10, at, actor, reason, 'report', list, "
                              "entry_id, before, after, details, rows, rows_sha256, prev_hash, hash, mac "
                              "FROM change_log LIMIT 1")
        head = old.head()
    with SqliteStore(path, audit_key=KEY) as new:
        assert new.head() == head and len(new.log_rows(head.version).__iter__().__next__()) > 0
        assert audit.verify(new, KEY).ok
        new.record_access(WHY, {"report": "inmate", "filters": {"inmate": "A-1"}})
        result = audit.verify(new, KEY)
        assert result.ok and result.entries == 3, result.problems
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            new._conn.execute("DELETE FROM change_log")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            new._conn.execute("UPDATE change_rows SET rows = 0")
    references = sqlite3.connect(path).execute("PRAGMA foreign_key_list(change_rows)").fetchall()
    assert [r[2] for r in references] == ["change_log"]
