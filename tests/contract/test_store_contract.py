"""The store contract: what every backend must do, one suite run on each.

Every test takes `store` (a new, empty store of the backend) and, where two
processes' view matters, `reopen` (another store on the same database).
"""

from datetime import UTC, datetime

import pytest

from screening.domain.blocklist import Category, Scope
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, PrivilegedEntry, WatchEntry
from screening.domain.lists import Contact
from screening.domain.model import BlockAction, PrivilegedKind
from screening.domain.numbers import normalize
from screening.adapters.sqlite.store import SqliteStore
from screening.service import audit
from screening.service.ports import EntryExists, EntryNotFound, StoreError

WHY = Change("officer.budi", "family registration 2026-11")


# The backends the contract runs on: add one here and every test runs on it
# too. Each takes the test's request (for its fixtures) and returns what opens
# a store on one database of the test's own.
def _sqlite(request):
    path = request.getfixturevalue("tmp_path") / "lists.db"
    return lambda: SqliteStore(path)


def _postgres(request):
    from screening.adapters.postgres.store import PostgresStore

    url = request.getfixturevalue("postgres_url")  # a schema of its own, or a skip saying why there is none
    return lambda: PostgresStore(url)


BACKENDS = {"sqlite": _sqlite, "postgres": _postgres}
_MARKS = {"postgres": pytest.mark.postgres}  # -m "not postgres" leaves its runs out


@pytest.fixture(params=[pytest.param(name, marks=_MARKS.get(name, ())) for name in sorted(BACKENDS)])
def reopen(request):
    """Opens another store on the backend's database, as another process would."""
    opened = []
    opener = BACKENDS[request.param](request)

    def open_store():
        store = opener()
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def store(reopen):
    return reopen()


def newest_first(store):
    return list(store.log())[::-1]


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
    newest, *_ = history = newest_first(store)
    assert [(h.action, h.list, h.version) for h in history] == [
        ("remove", "blocklist", 3), ("add", "privileged", 2), ("add", "blocklist", 1)]
    assert (newest.actor, newest.reason) == ("officer.ani", "report withdrawn")
    assert newest.before["pattern"] == "+6281111111111" and newest.before["action"] == "review"
    assert newest.after is None and history[-1].after["pattern"] == "+6281111111111"


def test_duplicate_and_missing_entries_change_nothing(store):
    store.add(BlockEntry("+6281111111111"), WHY)
    with pytest.raises(EntryExists, match=r"blocklist already has an entry for pattern='\+6281111111111'"):
        store.add(BlockEntry("+6281111111111", Category.VICTIM), WHY)
    with pytest.raises(EntryNotFound, match="privileged has no entry"):
        store.remove(PrivilegedEntry, {"number": "+62215551234"}, WHY)
    assert store.list_version() == 1
    assert len(newest_first(store)) == 1


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


def test_entries_filter_on_unknown_field_is_an_error(store):
    with pytest.raises(StoreError, match="no field 'colour'"):
        list(store.entries(BlockEntry, colour="red"))


def test_sql_in_values_is_data(store):
    store.add(AllowlistEntry("A-1'; DROP TABLE allowlist; --", "+6281234567890", "Robert'); --"), WHY)
    [entry] = store.entries(AllowlistEntry)
    assert entry.inmate_id == "A-1'; DROP TABLE allowlist; --"


def test_an_edit_is_one_change_with_before_and_after(store):
    added = store.add(BlockEntry("+6281111111111"), WHY)
    expiry = datetime(2027, 1, 1, tzinfo=UTC)
    before, after = store.edit(BlockEntry, {"pattern": "+6281111111111", "scope": "global"},
                               {"action": BlockAction.REVIEW, "expires_at": expiry}, Change("kplp", "unconfirmed"))
    assert before == added and (after.action, after.expires_at, after.id) == (BlockAction.REVIEW, expiry, added.id)
    assert list(store.entries(BlockEntry)) == [after]
    entry = list(store.log())[-1]
    assert (entry.action, entry.version, entry.entry_id) == ("edit", 2, added.id)
    assert (entry.before["action"], entry.after["action"], entry.after["expires_at"]) == (
        "deny", "review", expiry.isoformat())
    same = store.edit(BlockEntry, {"pattern": "+6281111111111", "scope": "global"}, {"action": BlockAction.REVIEW},
                      WHY)
    assert same == (after, after) and store.list_version() == 2  # nothing changed: no version
    with pytest.raises(EntryNotFound):
        store.edit(BlockEntry, {"pattern": "+6281111111112", "scope": "global"}, {"source": "x"}, WHY)


def test_every_list_edits_by_key_or_by_id_and_removes_by_id(store, reopen):
    server = reopen()
    approval = store.add(AllowlistEntry("A-1", "+6281234567890", "Siti", "", "LP-A"), WHY)
    lawyer = store.add(PrivilegedEntry("+62215551234", "LBH"), WHY)
    watched = store.add(WatchEntry("Siti Aminah", ("Bu Siti",)), WHY)
    blocked = store.add(BlockEntry("+62809*", scope=Scope.parse("facility:LP-A")), WHY)
    since = server.list_version()
    edits = [(AllowlistEntry, {"inmate_id": "A-1", "facility_id": "LP-A", "number": "+6281234567890"},
              {"name": "Siti Aminah", "relationship": "mother"}),
             (PrivilegedEntry, {"id": lawyer.id}, {"name": "LBH Jakarta", "kind": PrivilegedKind.LEGAL_AID}),
             (WatchEntry, {"id": watched.id}, {"aliases": ("Ibu Siti", "S. Aminah"), "category": Category.FRAUD,
                                               "action": BlockAction.DENY}),
             (BlockEntry, {"id": blocked.id}, {"source": "LP/B/9"})]
    for entry_type, key, changes in edits:
        before, after = store.edit(entry_type, key, changes, WHY)
        assert {name: getattr(after, name) for name in changes} == changes and after.id == before.id
    assert [e.aliases for e in reopen().entries(WatchEntry)] == [("Ibu Siti", "S. Aminah")]
    [approved] = store.entries(AllowlistEntry)
    assert (approved.name, approved.relationship, approved.id) == ("Siti Aminah", "mother", approval.id)
    delta = server.read_changes(since, max_rows=100)
    assert [(c.list, c.before is not None, c.after is not None) for c in delta.changes] == [
        (t.LIST, True, True) for t, _, _ in edits]
    assert delta.approvals["+6281234567890"] == (("A-1", "Siti Aminah"),)
    assert store.remove(BlockEntry, {"id": blocked.id}, WHY).pattern == "+62809*"
    assert store.remove(AllowlistEntry, {"id": approval.id}, WHY).name == "Siti Aminah"
    assert list(store.entries(BlockEntry)) == list(store.entries(AllowlistEntry)) == []
    assert [e.action for e in store.log()][-2:] == ["remove", "remove"]
    with pytest.raises(EntryNotFound, match="^blocklist has no entry 99$"):
        store.remove(BlockEntry, {"id": 99}, WHY)
    with pytest.raises(EntryNotFound, match="^privileged has no entry 99$"):
        store.edit(PrivilegedEntry, {"id": 99}, {"name": "x"}, WHY)
    assert audit.verify(store).ok


def test_changes_since_a_version_are_the_rows_changed_with_the_approvals_they_touch(store, reopen):
    server = reopen()
    store.add(AllowlistEntry("A-1", "+6281234567890", "Siti Aminah"), WHY)
    since = server.list_version()
    store.add(AllowlistEntry("A-2", "+6281234567890", "Rudi Hartono"), WHY)
    block = store.add(BlockEntry("+62809*", action=BlockAction.REVIEW), WHY)
    store.remove(BlockEntry, {"pattern": "+62809*", "scope": "global"}, WHY)
    delta = server.read_changes(since, max_rows=100)
    assert delta.version == 4 == server.list_version()
    assert [(c.list, c.entry_id, c.before is None, c.after is None) for c in delta.changes] == [
        ("allowlist", 2, True, False), ("blocklist", block.id, True, False), ("blocklist", block.id, False, True)]
    assert delta.changes[1].after == (block.id, "+62809*", "fraud", "review", "global", "")
    assert sorted(delta.approvals["+6281234567890"]) == [("A-1", "Siti Aminah"), ("A-2", "Rudi Hartono")]
    assert server.read_changes(4, max_rows=100).changes == ()
    assert server.read_changes(since, max_rows=2) is None  # too many: load the lists whole


def test_the_log_filters_and_its_head(store):
    assert store.head() is None
    store.add(BlockEntry("+6281111111111"), Change("polda", "LP/1"))
    store.add(WatchEntry("Siti Aminah", ("Bu Siti",)), Change("kplp", "witness"))
    assert [e.actor for e in store.log(actor="kplp")] == ["kplp"]
    assert [e.list for e in store.log(list_name="blocklist")] == ["blocklist"]
    assert [e.version for e in store.log(entry_id=1)] == [1, 2]
    assert list(store.log(since="2999-01-01")) == []
    head = store.head()
    assert head.version == 2 and head.after["aliases"] == ["Bu Siti"]
    assert audit.verify(store).head == head.head


def test_a_store_verifies_and_replays_to_its_tables(store):
    store.add(AllowlistEntry("A-1", "+6281234567890", "Siti Aminah", "mother", "LP-A"), WHY)
    store.add(PrivilegedEntry("+62215551234", "LBH Jakarta", PrivilegedKind.LEGAL_AID), WHY)
    store.add(WatchEntry("Bank BRI", (), scope=Scope.parse("facility:LP-A")), WHY)
    store.add(BlockEntry("+6281111111111"), WHY)
    store.edit(BlockEntry, {"pattern": "+6281111111111", "scope": "global"}, {"source": "LP/B/9"}, WHY)
    store.remove(PrivilegedEntry, {"number": "+62215551234"}, WHY)
    result = audit.verify(store)
    assert result.ok, result.problems
    assert (result.entries, result.version) == (6, 6)


def test_an_import_comes_as_its_rows_in_the_changes(store, reopen):
    server = reopen()
    rows = [(line, BlockEntry(f"+628123456789{line}"), "LP/B/7") for line in range(3)]
    added = store.import_entries(BlockEntry, iter(rows), WHY, lambda line, in_file: None,
                                 lambda count: {"file": "polda.csv", "added": count})
    assert added == 3
    delta = server.read_changes(0, max_rows=100)
    assert [(c.list, c.before, c.after[1]) for c in delta.changes] == [
        ("blocklist", None, f"+628123456789{line}") for line in range(3)]
    assert server.read_changes(0, max_rows=2) is None  # more rows than an overlay should take


# Hot numbers (screening.domain.alerts): a list of the store's, audited and
# versioned, that every replica on the database reads, but not one of the
# engine's lists.
def test_hot_numbers_are_stored_audited_and_seen_by_another_process(store, reopen):
    from screening.domain.alerts import AlertKind
    from screening.domain.entries import AlertEntry
    from screening.service.alerts import add_alert, remove_alert, rules_of

    other = reopen()
    number = add_alert(store, "number", "0812-3456-7890", "relay for LP/B/9", "ID", WHY).entry
    pattern = add_alert(store, "pattern", "0809*", "", "ID", Change("polda", "LP/B/10")).entry
    inmate = add_alert(store, "inmate", "A-7", "", "ID", WHY).entry
    assert (number.kind, number.value, number.note) == (AlertKind.NUMBER, "+6281234567890", "relay for LP/B/9")
    assert pattern.value == "+62809*" and inmate.audit.created_by == "officer.budi"
    with pytest.raises(EntryExists, match=r"alerts already has an entry for kind='number', value='\+6281234567890'"):
        add_alert(store, "number", "+62 812 3456 7890", "", "ID", WHY)
    assert list(other.entries(AlertEntry)) == [number, pattern, inmate]
    assert len(rules_of(other)) == 3 and other.list_version() == 3
    assert remove_alert(store, "pattern", "+62809*", "ID", WHY) == pattern
    with pytest.raises(EntryNotFound, match="alerts has no entry"):
        remove_alert(store, "pattern", "+62809*", "ID", WHY)
    assert [(e.action, e.list) for e in other.log()][-1] == ("remove", "alerts")
    assert list(other.entries(AlertEntry)) == [number, inmate]
    assert other.snapshot().counts() == {"allowlist": 0, "privileged": 0, "blocklist": 0, "watchlist": 0}


def test_a_hot_number_on_a_watchlist_entry_needs_the_entry(store):
    from screening.domain.errors import InvalidEntry
    from screening.service.alerts import add_alert

    watched = store.add(WatchEntry("Siti Aminah"), WHY)
    assert add_alert(store, "watchlist", f"watchlist:{watched.id}", "", "ID", WHY).entry.value == str(watched.id)
    with pytest.raises(InvalidEntry, match="the watchlist has no entry 99"):
        add_alert(store, "watchlist", "99", "", "ID", WHY)
    with pytest.raises(InvalidEntry, match="is not an entry id"):
        add_alert(store, "watchlist", "Siti", "", "ID", WHY)


def test_hot_number_changes_move_the_version_but_change_no_list_and_verify(store, reopen):
    from screening.domain.overlay import apply_delta
    from screening.service.alerts import add_alert, remove_alert

    server = reopen()
    store.add(BlockEntry("+6281111111111"), WHY)
    snapshot = server.snapshot()
    add_alert(store, "number", "+6281111111111", "", "ID", WHY)
    store.add(BlockEntry("+6282222222222"), WHY)
    remove_alert(store, "number", "+6281111111111", "ID", WHY)
    delta = server.read_changes(snapshot.version, max_rows=100)
    assert delta.version == 4 and [(c.list, c.after[1]) for c in delta.changes] == [("blocklist", "+6282222222222")]
    assert apply_delta(snapshot, delta).version == 4
    add_alert(store, "inmate", "A-1", "", "ID", WHY)
    result = audit.verify(server)
    assert result.ok, result.problems
    assert (result.entries, result.version) == (5, 5)
