import os
import sqlite3
import stat

import pytest

from datetime import UTC, datetime

from screening.domain.blocklist import Category, Scope
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, PrivilegedEntry
from screening.domain.lists import Contact
from screening.domain.model import BlockAction, PrivilegedKind
from screening.domain.numbers import normalize
from screening.adapters.database import open_store, sqlite_path
from screening.service.ports import EntryExists, EntryNotFound, StoreError
from screening.adapters.sqlite.store import SqliteStore

WHY = Change("officer.budi", "family registration 2026-11")


@pytest.fixture
def store(tmp_path):
    with SqliteStore(tmp_path / "lists.db") as s:
        yield s


def test_new_database_is_empty_at_version_zero(store):
    assert store.list_version() == 0
    assert store.snapshot().counts() == {"allowlist": 0, "privileged": 0, "blocklist": 0, "watchlist": 0}


def test_add_list_remove_round_trip_with_audit_fields(store):
    added = store.add(AllowlistEntry("A-1", "+6281234567890", "Ibu Siti", "mother", "LP-A"), WHY)
    assert added.id > 0
    assert added.audit.created_by == "officer.budi" and added.audit.reason == WHY.reason
    assert added.audit.created_at is not None
    assert list(store.entries(AllowlistEntry, inmate_id="A-1")) == [added]
    assert list(store.entries(AllowlistEntry, inmate_id="A-2")) == []
    removed = store.remove(AllowlistEntry, {"inmate_id": "A-1", "facility_id": "LP-A", "number": "+6281234567890"},
                           Change("officer.ani", "number changed hands"))
    assert removed == added
    assert list(store.entries(AllowlistEntry)) == []


def test_every_change_bumps_the_version_and_is_audited(store):
    store.add(BlockEntry("+6281111111111", Category.FRAUD, BlockAction.REVIEW), WHY)
    store.add(PrivilegedEntry("+62215551234", "LBH Jakarta", PrivilegedKind.LEGAL_AID), WHY)
    store.remove(BlockEntry, {"pattern": "+6281111111111", "scope": "global"},
                 Change("officer.ani", "report withdrawn"))
    assert store.list_version() == 3
    newest, *_ = history = store.history()
    assert [(h.action, h.list, h.list_version) for h in history] == [
        ("remove", "blocklist", 3), ("add", "privileged", 2), ("add", "blocklist", 1)]
    assert (newest.actor, newest.reason) == ("officer.ani", "report withdrawn")
    assert newest.entry["pattern"] == "+6281111111111" and newest.entry["action"] == "review"


def test_duplicate_and_missing_entries_change_nothing(store):
    store.add(BlockEntry("+6281111111111"), WHY)
    with pytest.raises(EntryExists, match=r"blocklist already has an entry for pattern='\+6281111111111'"):
        store.add(BlockEntry("+6281111111111", Category.VICTIM), WHY)
    with pytest.raises(EntryNotFound, match="privileged has no entry"):
        store.remove(PrivilegedEntry, {"number": "+62215551234"}, WHY)
    assert store.list_version() == 1
    assert len(store.history()) == 1


def test_snapshot_holds_every_list_at_its_version(store):
    numbers = ["+6281234567890", "+62215551234", "+628111234567", "+442079460958"]
    for i, number in enumerate(numbers):
        store.add(AllowlistEntry(f"A-{i % 2}", number, "n"), WHY)
    store.add(PrivilegedEntry("+62215559999", "Embassy", PrivilegedKind.EMBASSY), WHY)
    store.add(BlockEntry("+6281111111111", action=BlockAction.REVIEW), WHY)
    store.add(BlockEntry("+62809*", scope=Scope.parse("inmate:A-0"),
                         expires_at=datetime(2030, 1, 1, tzinfo=UTC)), WHY)
    snapshot = store.snapshot()
    assert snapshot.version == 7
    for i, number in enumerate(numbers):
        key = normalize(number, "ID").key
        assert snapshot.allowlist.find(f"A-{i % 2}", "LP-X", key) is not None
        assert snapshot.allowlist.find(f"A-{(i + 1) % 2}", "LP-X", key) is None
    assert snapshot.privileged.find(62215559999) == (1, PrivilegedKind.EMBASSY)
    hit = snapshot.blocked.find(6281111111111, 13, "LP-X", "A-0", now=0)
    assert (hit.entry_id, hit.action) == (1, BlockAction.REVIEW)
    assert snapshot.blocked.find(628091234567, 12, "LP-X", "A-0", now=0).entry_id == 2
    assert snapshot.blocked.find(628091234567, 12, "LP-X", "A-1", now=0) is None
    assert snapshot.blocked.find(628091234567, 12, "LP-X", "A-0", now=1893456000) is None  # expired
    assert snapshot.shared_approvals.find(6281234567890) is None


def test_snapshot_carries_each_contacts_name_and_relationship(store):
    mother = store.add(AllowlistEntry("A-1", "+6281234567890", "Ibu Siti Aminah", "Ibu Kandung", "LP-A"), WHY)
    brother = store.add(AllowlistEntry("A-1", "+6281298765432", "Budi Santoso", "kakak laki-laki"), WHY)
    other = store.add(AllowlistEntry("A-2", "+6281234567890", "Siti Aminah"), WHY)
    allowlist = store.snapshot().allowlist
    assert allowlist.find_contact("A-1", "LP-A", 6281234567890) == Contact(mother.id, "Ibu Siti Aminah", "mother")
    assert allowlist.find_contact("A-1", "LP-B", 6281298765432) == Contact(brother.id, "Budi Santoso",
                                                                           "older_brother")
    assert allowlist.find_contact("A-2", "LP-A", 6281234567890) == Contact(other.id, "Siti Aminah", "unknown")


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


def test_entries_filter_on_unknown_field_is_an_error(store):
    with pytest.raises(StoreError, match="no field 'colour'"):
        list(store.entries(BlockEntry, colour="red"))


def test_sql_in_values_is_data(store):
    store.add(AllowlistEntry("A-1'; DROP TABLE allowlist; --", "+6281234567890", "Robert'); --"), WHY)
    [entry] = store.entries(AllowlistEntry)
    assert entry.inmate_id == "A-1'; DROP TABLE allowlist; --"


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
    ("postgresql://localhost/test", "PostgreSQL is not supported yet"),
    ("mysql://x/y", "unknown database URL scheme 'mysql'"),
    ("", "no database given"),
    ("sqlite://host/a.db", "a SQLite URL is sqlite:///"),
])
def test_open_store_names_what_is_wrong(url, message):
    with pytest.raises(StoreError, match=message):
        open_store(url)


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
