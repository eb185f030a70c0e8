"""Migration 0008 (SQLite) adds store_settings and rebuilds the change log
to take the "policy" action: a database at 0007 with changes, an import, a
held change and its decision comes through with its chain, rows and
append-only triggers whole, and keeps an approval policy after."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from screening.adapters.sqlite.migrations import bundled_migrations
from screening.adapters.sqlite.store import SqliteStore
from screening.domain.approvals import ApprovalPolicy, PendingChange
from screening.domain.entries import AllowlistEntry, BlockEntry, Change
from screening.service import audit

WHY = Change("tester", "migration test")
KEY = b"m" * 32


def test_a_change_log_at_0007_is_rebuilt_whole_and_takes_policy_entries(tmp_path):
    path = tmp_path / "a.db"
    with SqliteStore(path, migrations=[m for m in bundled_migrations() if m.version < 8], audit_key=KEY) as old:
        old.add(BlockEntry("+6281111111111"), WHY)
        rows = [(n, AllowlistEntry(f"A-{n}", f"+628123456{n:04d}", "Ibu"), "visit") for n in range(1, 40)]
        old.import_entries(AllowlistEntry, rows, WHY, lambda line, in_file: None, lambda added: {"file": "a.csv"})
        now = datetime.now(UTC)
        held = old.request_change(PendingChange("privileged_add", "privileged add +62215551234", {"op": "x"},
                                                "alice", "", "r", now, now + timedelta(hours=1)), WHY)
        old.decide_change(held.id, "rejected", Change("bob", "no"))
        with pytest.raises(sqlite3.IntegrityError):  # 'policy' is not an action yet
            old._conn.execute("INSERT INTO change_log SELECT version + 10, at, actor, reason, 'policy', list, "
                              "entry_id, before, after, details, rows, rows_sha256, prev_hash, hash, mac "
                              "FROM change_log LIMIT 1")
        head = old.head()
    with SqliteStore(path, audit_key=KEY) as new:
        assert new.head() == head and audit.verify(new, KEY).ok
        assert new.approval_policy() is None
        stored = new.set_approval_policy(ApprovalPolicy(("privileged_add",)), Change("alice", "r"), 0)
        assert new.approval_policy() == stored and stored.version == head.version + 1
        result = audit.verify(new, KEY)
        assert result.ok and result.entries == 5, result.problems
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            new._conn.execute("DELETE FROM change_log")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            new._conn.execute("UPDATE change_rows SET rows = 0")
    references = sqlite3.connect(path).execute("PRAGMA foreign_key_list(change_rows)").fetchall()
    assert [r[2] for r in references] == ["change_log"]
