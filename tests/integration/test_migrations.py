import sqlite3

from screening.service import audit

import pytest

from screening.domain.entries import BlockEntry, Change
from screening.service.ports import StoreError
from screening.adapters.sqlite.store import SqliteStore
from screening.adapters.sqlite.migrations import Migration, bundled_migrations, load_migrations, schema_version

WHY = Change("tester", "migration test")
BUNDLED = bundled_migrations()
# A later release's migration, as a real one would look.
ADD_COLUMN = Migration(len(BUNDLED) + 1, "blocklist_note",
                       "ALTER TABLE blocklist ADD COLUMN note TEXT NOT NULL DEFAULT '';\n"
                       "CREATE INDEX blocklist_note ON blocklist (note);\n")


def versions(path):
    return [r[0] for r in sqlite3.connect(path).execute("SELECT version FROM schema_migrations ORDER BY version")]


def test_new_database_gets_every_migration(tmp_path):
    SqliteStore(tmp_path / "a.db").close()
    assert versions(tmp_path / "a.db") == [m.version for m in BUNDLED]


def test_existing_database_is_upgraded_in_place_keeping_its_data(tmp_path):
    path = tmp_path / "a.db"
    with SqliteStore(path) as old:
        old.add(BlockEntry("+6281111111111"), WHY)
    with SqliteStore(path, migrations=[*BUNDLED, ADD_COLUMN]) as new:
        assert new.list_version() == 1
        assert len(new.snapshot().blocked) == 1
    assert versions(path) == [*(m.version for m in BUNDLED), ADD_COLUMN.version]
    columns = [r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(blocklist)")]
    assert "note" in columns


def test_reopening_applies_nothing_twice(tmp_path):
    for _ in range(3):
        SqliteStore(tmp_path / "a.db").close()
    assert versions(tmp_path / "a.db") == [m.version for m in BUNDLED]


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path):
    path = tmp_path / "a.db"
    SqliteStore(path).close()
    broken = Migration(len(BUNDLED) + 1, "broken",
                       "CREATE TABLE half_done (x INTEGER);\nALTER TABLE no_such_table ADD COLUMN y TEXT;\n")
    with pytest.raises(StoreError, match=f"migration {broken.version:04d}_broken failed: no such table: no_such_table"):
        SqliteStore(path, migrations=[*BUNDLED, broken])
    conn = sqlite3.connect(path)
    assert schema_version(conn) == len(BUNDLED)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0


def test_a_database_newer_than_the_code_is_refused(tmp_path):
    path = tmp_path / "a.db"
    SqliteStore(path, migrations=[*BUNDLED, ADD_COLUMN]).close()
    newer, known = len(BUNDLED) + 1, len(BUNDLED)
    with pytest.raises(StoreError, match=rf"schema version {newer}, newer than this release of screening knows \({known}\)"):
        SqliteStore(path)


def test_migration_files_must_be_numbered_without_gaps(tmp_path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(StoreError, match=r"without gaps, found \[1, 3\]"):
        load_migrations(tmp_path)


def test_a_first_release_database_is_upgraded_to_patterns(tmp_path):
    """0002 rebuilt the blocklist for patterns: rows, ids and audit survive."""
    path = tmp_path / "a.db"
    SqliteStore(path, migrations=BUNDLED[:1]).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO blocklist (id, number, category, action, created_at, created_by, reason) "
                     "VALUES (7, '+6281111111111', 'scam', 'review', '2026-01-01T00:00:00+00:00', 'kplp', 'LP/1')")
        conn.execute("INSERT INTO audit_log (at, actor, action, list, entry_id, reason, entry, list_version) "
                     "VALUES ('2026-01-01T00:00:00+00:00', 'kplp', 'add', 'blocklist', 7, 'LP/1', '{}', 1)")
        conn.execute("UPDATE list_version SET version = 1")
    with SqliteStore(path) as store:
        [entry] = store.entries(BlockEntry)
        assert (entry.id, entry.pattern, entry.category.label, entry.action.label, str(entry.scope)) == (
            7, "+6281111111111", "other", "review", "global")
        legacy, *baselines = store.log()
        assert (legacy.version, legacy.action, legacy.entry_id, legacy.details) == (1, "add", 7, {"legacy": True})
        assert [(b.action, b.list, b.rows) for b in baselines] == [
            ("baseline", "allowlist", 0), ("baseline", "privileged", 0), ("baseline", "blocklist", 1),
            ("baseline", "watchlist", 0)]
        assert store.list_version() == 5 and audit.verify(store).ok
        assert store.snapshot().blocked.find(6281111111111, 13, "F", "I", 0).entry_id == 7
        added = store.add(BlockEntry("+6281111111112"), WHY)
        assert added.id == 8
