import os
import sqlite3
import stat

import pytest


from screening.domain.entries import BlockEntry, Change
from screening.adapters.database import open_store, sqlite_path
from screening.service.ports import StoreError
from screening.adapters.sqlite.store import SqliteStore

WHY = Change("officer.budi", "family registration 2026-11")


@pytest.fixture
def store(tmp_path):
    with SqliteStore(tmp_path / "lists.db") as s:
        yield s


def test_database_files_are_owner_only(tmp_path):
    path = tmp_path / "private" / "lists.db"
    with SqliteStore(path) as s:
        s.add(BlockEntry("+6281111111111"), WHY)
        for name in ("lists.db", "lists.db-wal", "lists.db-shm"):
            mode = stat.S_IMODE(os.stat(path.parent / name).st_mode)
            assert mode == 0o600, f"{name} is {oct(mode)}"
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_wal_mode_and_writes_seen_by_another_connection(tmp_path):
    path = tmp_path / "lists.db"
    with SqliteStore(path) as writer, SqliteStore(path) as reader:
        writer.add(BlockEntry("+6281111111111"), WHY)
        assert reader.list_version() == 1
        assert len(reader.snapshot().blocked) == 1
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("url", ["{dir}/a.db", "sqlite:///{dir}/a.db", "file://{dir}/a.db"])
def test_open_store_accepts_paths_and_urls(tmp_path, url):
    with open_store(url.format(dir=tmp_path)) as store:
        store.add(BlockEntry("+6281111111111"), WHY)
    assert (tmp_path / "a.db").exists()


@pytest.mark.parametrize("url, path", [
    ("sqlite:////var/lib/screening/screening.db", "/var/lib/screening/screening.db"),
    ("sqlite:///screening.db", "screening.db"),
    ("sqlite:///data/screening.db", "data/screening.db"),
    ("file:///var/lib/s%20s/screening.db", "/var/lib/s s/screening.db"),
    ("data/screening.db", "data/screening.db"),
])
def test_sqlite_urls_with_four_slashes_are_absolute_with_three_relative(url, path):
    assert sqlite_path(url) == path


@pytest.mark.parametrize("url, message", [
    ("mysql://x/y", "unknown database URL scheme 'mysql'"),
    ("", "no database given"),
    ("sqlite://host/a.db", "a SQLite URL is sqlite:///"),
])
def test_open_store_names_what_is_wrong(url, message):
    with pytest.raises(StoreError, match=message):
        open_store(url)


@pytest.mark.parametrize("url", ["postgresql://screening:secret@db.example/lists", "postgres://db.example/lists"])
def test_a_postgresql_url_is_no_sqlite_file_and_its_password_is_not_shown(url):
    with pytest.raises(StoreError, match="is a PostgreSQL URL, not a SQLite file") as raised:
        sqlite_path(url)
    assert "secret" not in str(raised.value)


def test_unwritable_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create database"):
        SqliteStore(blocker / "lists.db")


@pytest.mark.parametrize("database, decisions", [
    ("lists.db", "lists-decisions.db"),
    ("/var/lib/screening/screening.db", "/var/lib/screening/screening-decisions.db"),
    ("sqlite:////var/lib/screening/screening.db", "/var/lib/screening/screening-decisions.db"),
    ("file:///var/lib/s%20s/screening", "/var/lib/s s/screening-decisions.db"),
])
def test_the_decision_log_lives_beside_the_lists(database, decisions):
    from pathlib import Path

    from screening.bootstrap import decision_log_path
    from screening.config import Settings

    assert decision_log_path(Settings(database=database)) == Path(decisions)
    assert decision_log_path(Settings(database=database, decision_log="/x/d.db")) == Path("/x/d.db")
