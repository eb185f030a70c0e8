"""Store.record_access on every backend: a report's entry in the change log
that changes no list, yet keeps the chain whole, verifies (with and without
the HMAC key), and passes through a replica's reload as nothing to apply."""

import pytest

from screening.domain.entries import AllowlistEntry, BlockEntry, Change
from screening.domain.overlay import apply_delta
from screening.domain.numbers import normalize
from screening.service import audit
from screening.service.ports import StoreError

from test_store_contract import BACKENDS, WHY, _MARKS  # noqa: F401 (the backends)

KEY = b"k" * 32
WHAT = {"report": "hits", "filters": {"source": "LP/B/123/XI/2026"}, "format": "csv", "output": "hits.csv"}


@pytest.fixture(params=[pytest.param(name, marks=_MARKS.get(name, ())) for name in sorted(BACKENDS)])
def opener(request):
    """open(key=None, mode=...) another store on the backend's database."""
    opened = []
    path_or_url = _where(request)

    def open_store(key=None, mode="rwc"):
        store = _open(request.param, path_or_url, key, mode)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


def _where(request):
    if request.param == "sqlite":
        return request.getfixturevalue("tmp_path") / "lists.db"
    return request.getfixturevalue("postgres_url")


def _open(backend, where, key, mode):
    if backend == "sqlite":
        from screening.adapters.sqlite.store import SqliteStore

        return SqliteStore(where, mode=mode, audit_key=key)
    from screening.adapters.postgres.store import PostgresStore

    return PostgresStore(where, mode=mode, audit_key=key)


def test_a_report_is_a_change_log_entry_that_changes_no_list(opener):
    store = opener(KEY)
    store.add(AllowlistEntry("A-1", "+6281234567890", "Ibu Siti"), WHY)
    before = store.snapshot()
    entry = store.record_access(Change("officer.rina", "case 2026/44"), WHAT)
    assert (entry.action, entry.list, entry.entry_id, entry.actor, entry.reason) == (
        "report", "", 0, "officer.rina", "case 2026/44")
    assert entry.details == WHAT and entry.before is None and entry.after is None and entry.mac
    assert store.list_version() == entry.version == 2 and store.head() == entry
    [logged] = [e for e in store.log() if e.action == "report"]
    assert logged == entry
    assert store.log(actor="officer.rina") and list(store.log(actor="officer.rina"))[0].details == WHAT
    result = audit.verify(store, KEY)
    assert result.ok, result.problems
    assert result.entries == 2 and result.authenticated == 2 and result.head == entry.head
    assert audit.verify(opener(), None).ok  # and by hashes alone
    snapshot = store.snapshot()
    assert snapshot.counts() == before.counts()


def test_a_replica_applies_a_report_as_nothing_and_moves_on(opener):
    store, replica = opener(), opener()
    store.add(AllowlistEntry("A-1", "+6281234567890", "Ibu Siti"), WHY)
    current = replica.snapshot()
    store.record_access(WHY, WHAT)
    store.add(BlockEntry("+6285712345678", source="LP/B/123/XI/2026"), WHY)
    delta = replica.read_changes(current.version, max_rows=100)
    assert delta is not None and delta.version == 3
    assert [change.list for change in delta.changes] == ["blocklist"]  # the report is not a change
    updated = apply_delta(current, delta)
    assert updated.version == 3
    key = normalize("+6281234567890", "ID").key
    assert updated.allowlist.find("A-1", "LP-X", key) is not None
    only_report = replica.read_changes(1, max_rows=100)
    assert only_report is not None
    store.record_access(WHY, WHAT)
    assert replica.read_changes(3, max_rows=100).changes == ()


def test_a_read_only_store_records_no_report(opener):
    opener().add(AllowlistEntry("A-1", "+6281234567890", "Ibu Siti"), WHY)
    reader = opener(mode="ro")
    with pytest.raises(StoreError):
        reader.record_access(WHY, WHAT)
    assert [e.action for e in reader.log()] == ["add"]
