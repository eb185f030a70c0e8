"""Lists as a store holds them, changed at random: rows, and the Delta of
each change, for testing apply_delta against a whole build (test_overlay).

The pools are small on purpose: the same numbers, patterns, scopes and
names come back again and again, so entries collide, tie and shadow each
other as often as possible.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from screening.domain.snapshots import Delta, ListChange, ListRows

from snapshots import MONDAY_10AM_JAKARTA as NOW

INMATES = ("A-1", "A-2", "A-3", "A-4", "A-5")
FACILITIES = ("LP-A", "LP-B", "LP-C")
# Numbers inside and outside the patterns below, of 12, 13 and 14 digits.
NUMBERS = ("+6281234567800", "+6281234567801", "+6281234567850", "+6281234567855", "+6281234567899",
           "+6281234567812", "+6281234567900", "+6281234567901", "+628091234567", "+628091234568",
           "+628123456789", "+62812345678901", "+6285712345678", "+6285712345679", "+62215551234")
PATTERNS = ("+62809*", "+6281234567??", "+6281234567800..+6281234567899", "+6281234567850..+6281234567869",
            "+628123456*", "+62812345678?", "+6285712345*", "+628*")
# Approved numbers: few, so one inmate approves one number several times.
APPROVED = NUMBERS[:5] + NUMBERS[8:10]
# "Aminah" is the same person as "Siti Aminah" and as "Aminah Rahayu", who
# are not: the people counted must not depend on the order the names are read in.
CONTACTS = ("Siti Aminah", "Aminah", "Aminah Rahayu", "Ibu Siti Aminah", "Budi Santoso", "Rudi Hartono", "Dewi",
            "Dewi Lestari", "Mama", "")
RELATIONSHIPS = ("mother", "kakak laki-laki", "", "friend", "ayah", "istri")
WATCH_NAMES = ("Siti Aminah", "Siti", "Budi Santoso", "Budisantoso", "Santoso Budi", "Muhammad Budi Santoso",
               "Siti Budi Santoso", "Budhi Santoso", "Bank BRI", "Agus Salim", "Agus", "H. Agus Salim",
               "Dewi Lestari", "Dewi Lestari Putri", "Rudi Hartono", "Rudy Hartono", "Sri Wahyuni",
               # Equal scores, unequal weights: ties broken by the lighter name.
               "Dewi", "Lestari", "Wijaya", "A Lestari Dewi Hartono", "B Wijaya Hartono Lestari", "A Budi",
               "A Dewi", "Agus B", "B Agus", "B Dewi")
SCOPES = ("global", "global", "facility:LP-A", "facility:LP-B", "inmate:A-1", "inmate:A-2")
# Expiries around the moments the tests screen at (see MOMENTS).
EXPIRIES = ("", "", datetime.fromtimestamp(NOW - 3600, UTC).isoformat(),
            datetime.fromtimestamp(NOW + 3600, UTC).isoformat(), datetime.fromtimestamp(NOW + 86400, UTC).isoformat())
MOMENTS = (NOW - 7200, NOW, NOW + 7200, NOW + 3 * 86400)


class ListModel:
    """Every list's current rows (entry id -> row, as snapshots.COLUMNS) and
    the changes that lead there."""

    def __init__(self, rng: random.Random, size: int):
        self.rng = rng
        self.version = 1
        self.rows: dict[str, dict[int, tuple]] = {name: {} for name in ("allowlist", "privileged", "blocklist",
                                                                         "watchlist")}
        self._next_id = 1
        for name in self.rows:
            for _ in range(size):
                self._add(name)

    def list_rows(self) -> ListRows:
        """The rows as a store reads them: the allowlist by inmate, number, id; the others in any order."""
        rng = self.rng
        allow = sorted(self.rows["allowlist"].values(), key=lambda r: (r[1], len(r[3]), r[3], r[0]))
        return ListRows(self.version, allow, *(rng.sample(list(self.rows[name].values()), len(self.rows[name]))
                                               for name in ("privileged", "blocklist", "watchlist")))

    def delta(self, changes: int) -> Delta:
        """`changes` random changes across the lists, applied to the rows."""
        made = [self._change(self.rng.choice(tuple(self.rows))) for _ in range(changes)]
        made = [change for change in made if change is not None]
        self.version += 1
        return Delta(self.version, tuple(made), self._approvals(made))

    def import_rows(self, count: int) -> Delta:
        """Many rows of one list at once, as a file import adds them."""
        name = self.rng.choice(tuple(self.rows))
        made = [self._add(name) for _ in range(count)]
        made = [change for change in made if change is not None]
        self.version += 1
        return Delta(self.version, tuple(made), self._approvals(made))

    # --- changes -------------------------------------------------------------

    def _change(self, name: str) -> ListChange | None:
        rows, roll = self.rows[name], self.rng.random()
        if not rows or roll < 0.4:
            return self._add(name)
        entry_id = self.rng.choice(sorted(rows))
        if roll < 0.65:
            return ListChange(name, entry_id, rows.pop(entry_id), None)
        before = rows[entry_id]
        after = self._edited(name, before, keys=roll > 0.9)
        if after is None:
            return None
        rows[entry_id] = after
        return ListChange(name, entry_id, before, after)

    def _add(self, name: str) -> ListChange | None:
        entry_id, self._next_id = self._next_id, self._next_id + 1
        row = self._row(name, entry_id)
        if row is None:
            return None
        self.rows[name][entry_id] = row
        return ListChange(name, entry_id, None, row)

    def _row(self, name: str, entry_id: int) -> tuple | None:
        rng = self.rng
        if name == "allowlist":
            return (entry_id, rng.choice(INMATES), rng.choice(("", "", *FACILITIES)), rng.choice(APPROVED),
                    rng.choice(CONTACTS), rng.choice(RELATIONSHIPS))
        if name == "privileged":
            free = sorted(set(NUMBERS) - {row[1] for row in self.rows["privileged"].values()})
            return (entry_id, rng.choice(free), rng.choice(("attorney", "legal-aid", "embassy"))) if free else None
        if name == "blocklist":
            pattern = rng.choice(PATTERNS) if rng.random() < 0.4 else rng.choice(NUMBERS)
            return (entry_id, pattern, rng.choice(("fraud", "fraud", "fraud", "victim", "other")),
                    rng.choice(("deny", "review")), rng.choice(SCOPES), rng.choice(EXPIRIES))
        return (entry_id, rng.choice(WATCH_NAMES), self._aliases(), rng.choice(("victim", "judge", "fraud")),
                rng.choice(("deny", "review")), rng.choice(SCOPES))

    def _aliases(self) -> tuple[str, ...]:
        return tuple(self.rng.sample(WATCH_NAMES, self.rng.choice((0, 0, 1, 2))))

    def _edited(self, name: str, row: tuple, keys: bool) -> tuple | None:
        """The row with what staff edit changed; with `keys`, what an edit normally keeps too."""
        fresh = self._row(name, row[0])
        if fresh is None:
            return None
        if keys:
            return fresh
        kept = {"allowlist": (1, 2, 3), "privileged": (1,), "blocklist": (1, 4), "watchlist": (1, 5)}[name]
        return tuple(row[i] if i in kept else value for i, value in enumerate(fresh))

    def _approvals(self, changes: list[ListChange]) -> dict[str, tuple[tuple[str, str], ...]]:
        """Every current (inmate, name) approval of each number an allowlist change touched, in id order."""
        numbers = {row[3] for c in changes if c.list == "allowlist" for row in (c.before, c.after) if row}
        rows = sorted(self.rows["allowlist"].values())
        return {number: tuple((r[1], r[4]) for r in rows if r[3] == number) for number in numbers}
