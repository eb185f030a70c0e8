"""build_snapshot: the domain builds the lists from plain rows, in any order."""

import random

from screening.domain.blocklist import Scope
from screening.domain.lists import Contact
from screening.domain.model import BlockAction, PrivilegedKind
from screening.domain.snapshots import ListRows, build_snapshot

ALLOW = [
    (1, "A-1", "", "+6281234567890", "Siti Aminah", "mother"),
    (2, "A-1", "LP-A", "+6281234567891", "Budi Santoso", "kakak laki-laki"),
    (3, "A-2", "", "+6281234567890", "Ibu Siti Aminah", ""),
    (4, "A-3", "", "+6281234567890", "Rudi Hartono", ""),
    (5, "A-2", "LP-B", "+6281234567899", "Dewi", ""),
    (6, "A-2", "", "+6281234567899", "Dewi Lestari", ""),
    (7, "A-4", "", "+6281234567891", "Budi Santoso", ""),
]
PRIVILEGED = [(10, "+62215551234", "legal-aid"), (11, "+62215550001", "embassy")]
BLOCKED = [
    (20, "+6281111111111", "fraud", "deny", "global", ""),
    (21, "+62809*", "other", "review", "inmate:A-1", "2030-01-01T00:00:00+00:00"),
    (22, "+6281111111111", "victim", "review", "facility:LP-A", ""),
]
WATCHED = [(30, "Siti Aminah", ["Bu Siti"], "victim", "deny", "global"), (31, "Bank BRI", [], "organisation",
                                                                          "review", "facility:LP-A")]


def answers(snapshot):
    allow = snapshot.allowlist
    return (
        snapshot.version,
        [allow.find_contact(i, f, k) for i in ("A-1", "A-2", "A-3", "A-4", "A-9") for f in ("", "LP-A", "LP-B")
         for k in (6281234567890, 6281234567891, 6281234567899)],
        [snapshot.privileged.find(k) for k in (62215551234, 62215550001, 62215559999)],
        [snapshot.blocked.find(6281111111111, 13, f, i, 0) for f in ("LP-A", "LP-B") for i in ("A-1", "A-2")],
        [snapshot.blocked.find(628091234567, 12, "LP-A", i, t) for i in ("A-1", "A-2") for t in (0, 1893456000)],
        [snapshot.shared_approvals.find(k) for k in (6281234567890, 6281234567891, 6281234567899)],
        [snapshot.watchlist.hits(n, f, "A-1", 0.65, 0.9, 5) for n in ("Siti Aminah", "Bank BRI") for f in ("LP-A", "")],
    )


def test_rows_in_any_order_give_the_same_lists():
    ordered = build_snapshot(ListRows(7, sorted(ALLOW, key=lambda r: (r[1], len(r[3]), r[3], r[0])), PRIVILEGED,
                                      BLOCKED, WATCHED))
    rng = random.Random(4)
    for _ in range(20):
        shuffled = [rng.sample(rows, len(rows)) for rows in (ALLOW, PRIVILEGED, BLOCKED, WATCHED)]
        assert answers(build_snapshot(ListRows(7, *shuffled))) == answers(ordered)


def test_the_domain_reads_the_stored_values():
    snapshot = build_snapshot(ListRows(3, ALLOW, PRIVILEGED, BLOCKED, WATCHED))
    assert snapshot.allowlist.find_contact("A-1", "LP-A", 6281234567891) == Contact(2, "Budi Santoso",
                                                                                    "older_brother")
    assert snapshot.privileged.find(62215551234) == (10, PrivilegedKind.LEGAL_AID)
    narrow = snapshot.blocked.find(6281111111111, 13, "LP-A", "A-9", 0)
    assert (narrow.entry_id, narrow.action) == (22, BlockAction.REVIEW)  # the facility's own entry wins
    assert snapshot.blocked.find(628091234567, 12, "LP-A", "A-1", 1893456000) is None  # expired
    [hit] = snapshot.watchlist.hits("Bank BRI", "LP-B", "A-1", 0.65, 0.9, 5) or [None]
    assert hit is None  # scoped to LP-A
    assert Scope.parse("facility:LP-A").applies("LP-A", "A-1")


def test_shared_numbers_are_counted_by_inmates_and_people():
    shared = build_snapshot(ListRows(1, ALLOW)).shared_approvals
    # Siti Aminah and Ibu Siti Aminah are one person; Rudi Hartono another.
    assert shared.find(6281234567890) == (3, 2)
    assert shared.find(6281234567891) == (2, 1)
    assert shared.find(6281234567899) is None  # one inmate, twice
