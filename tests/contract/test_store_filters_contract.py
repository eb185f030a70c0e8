"""What `LIST list` filters push down to every backend: Store.entries with
a field equal to any of several values (SQL IN), and Store.ranges_covering,
the blocklist ranges holding a number, found by the database."""

from screening.domain.blocklist import Category, Scope, ScopeKind
from screening.domain.entries import BlockEntry, WatchEntry

from test_store_contract import WHY, reopen, store  # noqa: F401 (the backends' fixtures)


def _patterns(entries) -> list[str]:
    return [entry.pattern for entry in entries]


def test_entries_match_any_of_several_values_and_equal_fields_together(store):
    for pattern in ("+6281234567890", "+62812345*", "+628123456789?", "+6281111111111"):
        store.add(BlockEntry(pattern), WHY)
    store.add(BlockEntry("+62812345*", Category.VICTIM, scope=Scope(ScopeKind.FACILITY, "LP-A")), WHY)

    wanted = ("+628123456789?", "+62812345*", "+6281234567890", "+6289999999999")
    assert _patterns(store.entries(BlockEntry, pattern=wanted)) == [
        "+6281234567890", "+62812345*", "+628123456789?", "+62812345*"]  # oldest first, not in the order asked
    assert _patterns(store.entries(BlockEntry, pattern=list(wanted), scope="facility:LP-A")) == ["+62812345*"]
    assert _patterns(store.entries(BlockEntry, pattern=frozenset(wanted), category="victim")) == ["+62812345*"]
    assert list(store.entries(BlockEntry, pattern=())) == []  # none asked: none found, not all
    assert [e.name for e in store.entries(WatchEntry, name=("x'); DROP TABLE watchlist; --",))] == []


def test_ranges_covering_a_number_are_found_by_the_database(store):
    inside = store.add(BlockEntry("+6281234567800..+6281234567899"), WHY)
    ends = store.add(BlockEntry("+6281234567890..+6281234567890", scope=Scope(ScopeKind.INMATE, "A-1")), WHY)
    after = store.add(BlockEntry("+6281234567891..+6281234567899"), WHY)  # starts after the number
    for other in ("+6281234567000..+6281234567889",  # ends before it
                  "+628123456780..+628123456799",  # one digit shorter: other numbers
                  "+6281234567890", "+62812345*", "+628123456789?"):  # not ranges: found by their text
        store.add(BlockEntry(other), WHY)

    assert [e.id for e in store.ranges_covering("+6281234567890")] == [inside.id, ends.id]
    assert [e.id for e in store.ranges_covering("+6281234567899")] == [inside.id, after.id]  # both ends are in
    assert [e.id for e in store.ranges_covering("+6281234567891")] == [inside.id, after.id]
    assert list(store.ranges_covering("+6281234566999")) == []
    assert list(store.ranges_covering("+62812345678")) == []
