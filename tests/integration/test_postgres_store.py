"""The PostgreSQL store against a real server: what the contract suite
cannot show (tests/contract runs it too): replicas opening and writing at
once, the database refusing to rewrite history, imports reporting as SQLite
does, notifications, read-only use, and a server restart."""

import random
import threading
import time
import uuid

import psycopg
import pytest

from screening.adapters.postgres.migrations import bundled_migrations
from screening.adapters.postgres.store import PostgresStore
from screening.adapters.sqlite.store import SqliteStore
from screening.domain.blocklist import Scope
from screening.domain.entries import BlockEntry, Change
from screening.service import audit
from screening.service.ports import StoreError

pytestmark = pytest.mark.postgres

WHY = Change("polda.metro", "LP/B/123/XI/2026")


@pytest.fixture
def store(postgres_url):
    with PostgresStore(postgres_url) as opened:
        yield opened


def state(store):
    """What a change would show in: the list, its version and the log."""
    return list(store.entries(BlockEntry)), store.list_version(), list(store.log())


def block(n: int, scope: str = "global") -> BlockEntry:
    return BlockEntry(f"+6281234{n:06d}", scope=Scope.parse(scope))


def test_two_stores_opening_an_empty_schema_at_once_migrate_it_once(postgres_url):
    barrier, opened, errors = threading.Barrier(2), [], []

    def open_store():
        barrier.wait()
        try:
            opened.append(PostgresStore(postgres_url))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        # Between them, each migration once (one may do the first, the other the second).
        versions = [migration.version for migration in bundled_migrations("lists")]
        assert len(versions) >= 5  # the test means something: several to split between them
        assert sorted(version for store in opened for version in store.migrated) == versions
        with psycopg.connect(postgres_url) as conn:
            assert conn.execute("SELECT component, version, count(*) FROM schema_migrations "
                                "GROUP BY component, version ORDER BY version").fetchall() == [
                ("lists", version, 1) for version in versions]
    finally:
        for store in opened:
            store.close()


@pytest.mark.parametrize("statement", [
    "UPDATE change_log SET actor = 'someone else'",
    "DELETE FROM change_log",
    "TRUNCATE change_log CASCADE",
    "UPDATE change_rows SET rows = 0",
    "DELETE FROM change_rows",
    "TRUNCATE change_rows",
])
def test_the_database_refuses_to_rewrite_the_change_log(store, postgres_url, statement):
    store.add(block(1), WHY)
    store.import_entries(BlockEntry, iter([(2, block(2), "r")]), WHY, lambda *_: None, lambda n: {"added": n})
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        with pytest.raises(psycopg.Error, match="the change log is append-only"):
            conn.execute(statement)
    assert audit.verify(store).ok and len(list(store.log())) == 2


def import_rows(store, rows):
    """Import rows; returns the on_duplicate calls, what finish was told, and the result."""
    duplicates, told = [], []

    def finish(added):
        told.append(added)
        return {"file": "polda.csv", "added": added}

    added = store.import_entries(BlockEntry, iter(rows), WHY, lambda line, in_file: duplicates.append(
        (line, in_file)), finish)
    return duplicates, told, added


def test_an_import_reports_the_same_duplicates_as_sqlite(store, tmp_path):
    rng = random.Random(7)
    present = [block(n, rng.choice(["global", "inmate:A-1"])) for n in range(0, 3000, 7)]
    # Over 12,000 lines: duplicates within SQLite's batches and across them,
    # of each other and of entries there before, some in another scope.
    rows = [(line, block(rng.randrange(6000), rng.choice(["global", "global", "inmate:A-1"])), f"LP/{line}")
            for line in range(2, 12_500)]
    results = []
    with SqliteStore(tmp_path / "lists.db") as sqlite:
        for backend in (sqlite, store):
            for entry in present:
                backend.add(entry, WHY)
            results.append((import_rows(backend, rows), _imported(backend)))
            assert audit.verify(backend).ok
    (sqlite_report, sqlite_rows), (postgres_report, postgres_rows) = results
    duplicates, told, added = postgres_report
    assert {in_file for _, in_file in duplicates} == {True, False} and added == told[0] > 5000
    assert postgres_report == sqlite_report
    assert postgres_rows == sqlite_rows


def _imported(store):
    """The import's rows as the change log keeps them, in id order, but their
    ids and when they were made (SQLite spends an id on each duplicate)."""
    records = list(store.log_rows(store.head().version))
    assert [r["id"] for r in records] == sorted(r["id"] for r in records)
    return [{k: v for k, v in record.items() if k not in ("id", "created_at")} for record in records]


def test_a_dry_run_a_refusal_and_a_failing_file_change_nothing(store):
    store.add(block(1), WHY)
    before = state(store)
    rows = [(line, block(line), "r") for line in range(2, 20)]
    assert store.import_entries(BlockEntry, iter(rows), WHY, lambda *_: None, lambda added: None) == 0

    def failing():
        yield from rows[:10]
        raise ValueError("the file went away at line 12")

    with pytest.raises(ValueError, match="went away"):
        store.import_entries(BlockEntry, failing(), WHY, lambda *_: None, lambda added: {"added": added})

    def refusing(added):
        raise StoreError("no rows to import")

    with pytest.raises(StoreError, match="no rows"):
        store.import_entries(BlockEntry, iter(rows), WHY, lambda *_: None, refusing)
    assert state(store) == before
    assert store.import_entries(BlockEntry, iter(rows), WHY, lambda *_: None, lambda n: {"added": n}) == 18
    assert audit.verify(store).ok


def test_an_entry_added_outside_screening_during_an_import_is_reported_as_already_there(store, postgres_url):
    def rows():  # while the file is read, a writer that skips screening adds one of its keys
        for line in range(2, 20):
            if line == 10:
                with psycopg.connect(postgres_url, autocommit=True) as insider:
                    insider.execute("INSERT INTO blocklist (pattern, category, action, created_at, created_by, reason) "
                                    "VALUES ('+6281234000015', 'fraud', 'deny', '', 'insider', '')")
            yield line, block(line), "r"

    duplicates = []
    added = store.import_entries(BlockEntry, rows(), WHY, lambda *seen: duplicates.append(seen),
                                 lambda added: {"added": added})
    assert added == 17 and duplicates == [(15, False)]
    assert [e.audit.created_by for e in store.entries(BlockEntry, pattern="+6281234000015")] == ["insider"]
    assert store.list_version() == 1


def test_writers_on_two_stores_take_turns_on_one_chain(postgres_url):
    with PostgresStore(postgres_url) as first, PostgresStore(postgres_url) as second:
        def add(store, start):
            for n in range(start, start + 40):
                store.add(block(n), WHY)

        threads = [threading.Thread(target=add, args=(s, start)) for s, start in ((first, 0), (second, 100))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [entry.version for entry in first.log()] == list(range(1, 81))
        result = audit.verify(second)
        assert result.ok, result.problems
        assert (result.entries, result.version) == (80, 80)


def elapsed_waiting(store, timeout, change=None):
    """Seconds store.wait_for_change(timeout) took, with change() run in
    another thread once it is listening."""
    store.wait_for_change(0.01)  # listening from now on
    if change is not None:
        threading.Timer(0.05, change).start()
    started = time.monotonic()
    store.wait_for_change(timeout)
    return time.monotonic() - started


def test_wait_for_change_returns_on_a_change_from_another_store(store, postgres_url):
    with PostgresStore(postgres_url) as other:
        waited = elapsed_waiting(store, 10, lambda: other.add(block(1), WHY))
    assert waited / 10 < 0.2
    assert store.list_version() == 1


def test_wait_for_change_waits_out_its_timeout_without_one(store, postgres_url):
    from postgres_servers import Schema

    elsewhere = Schema()  # a change in another schema of the database is not this store's
    try:
        with PostgresStore(elsewhere.url) as other:
            waited = elapsed_waiting(store, 0.5, lambda: other.add(block(1), WHY))
    finally:
        elsewhere.drop()
    assert 1 <= waited / 0.5 < 2


def test_a_change_made_between_waits_ends_the_next_at_once(store, postgres_url):
    store.wait_for_change(0.01)
    with PostgresStore(postgres_url) as other:
        other.add(block(1), WHY)
    started = time.monotonic()
    store.wait_for_change(10)
    assert (time.monotonic() - started) / 10 < 0.2


def test_a_read_only_store_reads_and_refuses_to_write(store, postgres_url):
    store.add(block(1), WHY)
    with PostgresStore(postgres_url, mode="ro") as reader:
        assert [e.pattern for e in reader.entries(BlockEntry)] == ["+6281234000001"]
        assert reader.snapshot().version == 1 and audit.verify(reader).ok
        with pytest.raises(StoreError, match="opened read-only"):
            reader.add(block(2), WHY)
        with pytest.raises(StoreError, match="opened read-only"):
            reader.import_entries(BlockEntry, iter([(1, block(2), "r")]), WHY, lambda *_: None, lambda n: {})
    assert store.list_version() == 1


@pytest.mark.parametrize("mode", ["rw", "ro"])
def test_only_rwc_creates_the_lists(postgres_url, mode):
    with pytest.raises(StoreError, match="no screening lists at postgresql://.*; create them with 'screening init"):
        PostgresStore(postgres_url, mode=mode)
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT to_regclass('list_version')").fetchone()[0] is None


def test_a_role_that_may_not_change_the_schema_opens_a_current_one(store, postgres_url):
    """Replicas may run as a role with no DDL rights once `init` made the schema."""
    from postgres_servers import with_search_path, SHARED

    role = f"screening_app_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        schema = admin.execute("SELECT current_schema()").fetchone()[0]
        admin.execute(f'CREATE ROLE "{role}" LOGIN')  # names made here, never from input
        admin.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        admin.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
        try:
            url = with_search_path(SHARED.replace("postgres@", f"{role}@", 1), schema)
            with PostgresStore(url, mode="rw") as app:
                assert app.migrated == []
                app.add(block(1), WHY)
            assert audit.verify(store).ok
        finally:
            admin.execute(f'DROP OWNED BY "{role}"')
            admin.execute(f'DROP ROLE "{role}"')


def test_the_store_outlives_a_restart_of_the_server(private_postgres):
    with PostgresStore(private_postgres.url) as store, PostgresStore(private_postgres.url) as other:
        store.add(block(1), WHY)
        store.wait_for_change(0.01)  # listening
        private_postgres.stop()
        with pytest.raises(StoreError, match="did not answer|database error"):
            store.list_version()
        store.wait_for_change(0.1)  # never raises: the listening connection is gone, it just waits
        private_postgres.start()
        assert store.list_version() == 1
        assert [e.pattern for e in store.entries(BlockEntry)] == ["+6281234000001"]
        other.add(block(2), WHY)
        store.wait_for_change(0.1)  # listens again (the change above came before: lost, as notifications may be)
        waited = elapsed_waiting(store, 10, lambda: other.add(block(3), WHY))
        assert waited / 10 < 0.2
        assert store.snapshot().version == 3 and audit.verify(store).ok
