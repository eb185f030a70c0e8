"""Synthetic lists at any size as snapshot rows, and random deltas to them
(bench_overlay). Rows are made from their index, not kept: the lists of a
national run are never held as Python rows, only the few changed since.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from bench_names import generate_entries
from bench_patterns import random_pattern
from bench_scale import (BLOCK_CATEGORIES, FACILITIES, FAMILY_NAMES, GIVEN_NAMES, PRIVILEGED_KINDS, RELATIONSHIPS,
                         ListSizes, NumberSpace, home_facility, inmate_code)

from screening.domain.patterns import PatternKind
from screening.domain.snapshots import Delta, ListChange, ListRows

INMATES_PER_APPROVAL = 270_000 / 2_000_000
SHARED_EVERY = 25  # one approval in so many is of a number several inmates approved
SHARERS = 10  # inmates approving each such number
FIRST_ID = {"allowlist": 1, "blocklist": 10**9, "patterns": 2 * 10**9, "privileged": 3 * 10**9,
            "watchlist": 4 * 10**9}
NEW_IDS = 5 * 10**9
CHANGE_MIX = (("allowlist", 0.6), ("blocklist", 0.15), ("patterns", 0.05), ("privileged", 0.05),
              ("watchlist", 0.15))
OPERATION_MIX = (("add", 0.5), ("remove", 0.25), ("edit", 0.25))
PATTERN_KINDS = (PatternKind.PREFIX, PatternKind.WILDCARD, PatternKind.RANGE)
MISSING = object()


def under(rng: random.Random, pattern: str) -> str:
    """The digits of a number the pattern blocks."""
    if ".." in pattern:
        low, high = (int(end[1:]) for end in pattern.split(".."))
        return str(rng.randint(low, high))
    fixed = pattern[1:].rstrip("*?")
    length = 13 if pattern.endswith("*") else len(pattern) - 1
    return fixed + "".join(rng.choice("0123456789") for _ in range(max(0, length - len(fixed))))


class SyntheticLists:
    def __init__(self, sizes: ListSizes, patterns: int, watched: int, seed: int):
        self.sizes, self.patterns, self.seed = sizes, patterns, seed
        self.numbers = NumberSpace(seed)
        self.entries = generate_entries(watched, seed)
        self.counts = {"allowlist": sizes.allowlist, "blocklist": sizes.blocklist, "patterns": patterns,
                       "privileged": sizes.privileged, "watchlist": len(self.entries)}
        self.shared = max(1, sizes.allowlist // (SHARED_EVERY * SHARERS))  # numbers several inmates approve
        self.forget_changes()

    def describe(self) -> str:
        c = self.counts
        return (f"{c['allowlist']:,} approvals, {c['blocklist']:,} blocked numbers, {c['patterns']:,} patterns, "
                f"{c['privileged']:,} privileged, {c['watchlist']:,} watchlist entries")

    def forget_changes(self) -> None:
        """Back to the lists as built: later deltas apply to them."""
        self.changed: dict[tuple[str, int], tuple | None] = {}  # (list, id) -> row now, None if removed
        self.added: dict[str, list[int]] = {name: [] for name in FIRST_ID}
        self.approving: dict[str, set[int]] = {}  # number -> ids of approvals changed or added with it
        self.origin: dict[str, int] = {}  # number -> an approval as built that has it
        self._next_id = NEW_IDS
        self._next_number = self.sizes.total + self.shared

    # --- the rows as built ----------------------------------------------------

    def rows(self) -> ListRows:
        def each(name):
            return (self.base_row(name, FIRST_ID[name] + i) for i in range(self.counts[name]))
        blocked = (row for name in ("blocklist", "patterns") for row in each(name))
        return ListRows(1, each("allowlist"), each("privileged"), blocked, each("watchlist"))

    def base_row(self, name: str, entry_id: int) -> tuple:
        i = entry_id - FIRST_ID[name]
        if name == "allowlist":
            inmate = self.inmate(i)
            facility = home_facility(inmate) if i % 10 == 3 else ""
            return (entry_id, inmate, facility, self.approved_number(i), self.person(i), RELATIONSHIPS[i % 8])
        if name == "blocklist":
            scope = ("global", f"facility:UPT{i % FACILITIES:03d}", f"inmate:{self.inmate(i)}")[max(0, i % 50 - 47)]
            return (entry_id, self.numbers.e164(i), BLOCK_CATEGORIES[i % 5], "review" if i % 10 == 0 else "deny",
                    scope, "")
        if name == "patterns":
            pattern = random_pattern(random.Random(f"pattern-{self.seed}-{i}"), PATTERN_KINDS[i % 3])
            return (entry_id, pattern, "fraud", "deny", "global", "")
        if name == "privileged":
            return (entry_id, self.numbers.e164(self.sizes.blocklist + i), PRIVILEGED_KINDS[i % 5])
        entry = self.entries[i]
        return (entry_id, entry.names[0], entry.names[1:], ("victim", "witness", "judge")[i % 3],
                "deny" if i % 3 == 0 else "review", "global" if i % 5 else f"inmate:{self.inmate(i * 7)}")

    def inmate(self, i: int) -> str:
        return inmate_code(int(i * INMATES_PER_APPROVAL))

    def home(self, inmate: str) -> str:
        return home_facility(inmate)

    def approved_number(self, i: int) -> str:
        if i % SHARED_EVERY == 0:
            return self.numbers.e164(self.sizes.total + (i // SHARED_EVERY) % self.shared)
        return self.numbers.e164(self.sizes.blocklist + self.sizes.privileged + i)

    def person(self, i: int) -> str:
        return f"{GIVEN_NAMES[i % 12]} {FAMILY_NAMES[i // 12 % 8]}"

    def current_rows(self, version: int) -> ListRows:
        """The rows with the changes since forget_changes: what a store would read now."""
        def each(name):
            built = (self.row(name, FIRST_ID[name] + i) for i in range(self.counts[name]))
            return [row for row in (*built, *(self.row(name, i) for i in self.added[name])) if row is not None]
        return ListRows(version, each("allowlist"), each("privileged"), each("blocklist") + each("patterns"),
                        each("watchlist"))

    # --- calls ----------------------------------------------------------------

    def call(self, rng: random.Random) -> tuple[str, str]:
        """(inmate, dialed number): approved (as built or added), blocked
        (exact or by a pattern), privileged or unknown."""
        draw, anyone = rng.random(), self.inmate(rng.randrange(self.sizes.allowlist))
        if draw < 0.65:
            added = self.added["allowlist"]
            entry_id = (rng.choice(added) if added and draw < 0.1
                        else FIRST_ID["allowlist"] + rng.randrange(self.sizes.allowlist))
            row = self.row("allowlist", entry_id) or self.base_row("allowlist", entry_id)
            return row[1], row[3]
        if draw < 0.75:
            return anyone, self.numbers.e164(rng.randrange(self.sizes.blocklist))
        if draw < 0.80 and self.patterns:
            return anyone, "+" + under(rng, self.base_row("patterns", FIRST_ID["patterns"] +
                                                          rng.randrange(self.patterns))[1])
        if draw < 0.83:
            return anyone, self.numbers.e164(self.sizes.blocklist + rng.randrange(self.sizes.privileged))
        return anyone, self.numbers.e164(self.sizes.total + self.shared + 10**7 + rng.randrange(10**6))

    def called_name(self, rng: random.Random) -> str:
        return rng.choice(self.entries).names[0] if rng.random() < 0.5 else self.person(rng.randrange(96))

    # --- changes --------------------------------------------------------------

    def row(self, name: str, entry_id: int) -> tuple | None:
        row = self.changed.get((name, entry_id), MISSING)
        return self.base_row(name, entry_id) if row is MISSING else row

    def delta(self, count: int, version: int, only: str = "") -> Delta:
        """`count` changes across the lists (or to list `only`): adds, removals and edits."""
        rng = random.Random(f"delta-{self.seed}-{count}-{version}-{only}")
        names, weights = zip(*CHANGE_MIX) if not only else ((only,), (1,))
        operations, shares = zip(*OPERATION_MIX)
        return self._delta(version, [self._change(rng, rng.choices(names, weights)[0],
                                                  rng.choices(operations, shares)[0]) for _ in range(count)])

    def imported(self, count: int, version: int) -> Delta:
        """`count` approvals added at once, as a file import adds them."""
        rng = random.Random(f"import-{self.seed}-{count}-{version}")
        return self._delta(version, [self._change(rng, "allowlist", "add") for _ in range(count)])

    def _delta(self, version: int, changes: list[ListChange]) -> Delta:
        touched = {row[3] for c in changes if c.list == "allowlist" for row in (c.before, c.after) if row}
        return Delta(version, tuple(changes), {number: self.approvals(number) for number in touched})

    def _change(self, rng: random.Random, name: str, operation: str) -> ListChange:
        if operation == "add":
            entry_id, before, after = self._new_id(), None, self._new_row(rng, name)
        else:
            entry_id, before = self._existing(rng, name)
            after = None if operation == "remove" else self._edited(rng, name, before)
        self._note(name, entry_id, before, after)
        return ListChange("blocklist" if name == "patterns" else name, entry_id, before, after)

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _existing(self, rng: random.Random, name: str) -> tuple[int, tuple]:
        while True:
            if self.added[name] and rng.random() < 0.2:
                entry_id = rng.choice(self.added[name])
            else:
                entry_id = FIRST_ID[name] + rng.randrange(self.counts[name])
            row = self.row(name, entry_id)
            if row is not None:
                if name == "allowlist" and entry_id < NEW_IDS:
                    self.origin.setdefault(row[3], entry_id - FIRST_ID[name])
                return entry_id, row

    def _new_row(self, rng: random.Random, name: str) -> tuple:
        entry_id = self._next_id
        if name == "allowlist":
            if rng.random() < 0.2:
                shared = SHARED_EVERY * rng.randrange(self.shared)
                number = self.approved_number(shared)
                self.origin[number] = shared
            else:
                number = self.fresh_number()
            inmate = self.inmate(rng.randrange(self.sizes.allowlist))
            return (entry_id, inmate, "", number, self.person(rng.randrange(96)), rng.choice(RELATIONSHIPS))
        if name == "watchlist":
            entry = rng.choice(self.entries)
            return (entry_id, entry.names[0], (), "victim", rng.choice(("deny", "review")), "global")
        if name == "patterns":
            return (entry_id, random_pattern(rng, rng.choice(PATTERN_KINDS)), "fraud", "deny", "global", "")
        if name == "privileged":
            return (entry_id, self.fresh_number(), rng.choice(PRIVILEGED_KINDS))
        return (entry_id, self.fresh_number(), rng.choice(BLOCK_CATEGORIES), "deny", "global", "")

    def _edited(self, rng: random.Random, name: str, row: tuple) -> tuple:
        if name == "allowlist":
            return (*row[:4], self.person(rng.randrange(96)), rng.choice(RELATIONSHIPS))
        if name == "watchlist":
            return (row[0], row[1], (*row[2], f"{row[1]} Putra"), row[3], "deny", row[5])
        if name == "privileged":
            return (row[0], row[1], rng.choice(PRIVILEGED_KINDS))
        expiry = "" if row[5] else "2030-01-01T00:00:00+00:00"
        return (row[0], row[1], row[2], "review" if row[3] == "deny" else "deny", row[4], expiry)

    def _note(self, name: str, entry_id: int, before: tuple | None, after: tuple | None) -> None:
        self.changed[name, entry_id] = after
        if before is None:
            self.added[name].append(entry_id)
        if name == "allowlist":
            for row in (before, after):
                if row is not None:
                    self.approving.setdefault(row[3], set()).add(entry_id)

    def fresh_number(self) -> str:
        self._next_number += 1
        return self.numbers.e164(self._next_number)

    def approvals(self, number: str) -> tuple[tuple[str, str], ...]:
        """Every current (inmate, name) approval of the number, by entry id."""
        ids = self.approving.get(number, set()) | set(self._sharers(self.origin.get(number)))
        rows = sorted(row for entry_id in ids if (row := self.row("allowlist", entry_id)) is not None)
        return tuple((row[1], row[4]) for row in rows if row[3] == number)

    def _sharers(self, index: int | None) -> list[int]:
        """Ids of the approvals as built of the number of approval `index`."""
        if index is None:
            return []
        if index % SHARED_EVERY:
            return [FIRST_ID["allowlist"] + index]
        pool, step = index // SHARED_EVERY % self.shared, SHARED_EVERY * self.shared
        return [FIRST_ID["allowlist"] + i for i in range(SHARED_EVERY * pool, self.sizes.allowlist, step)]
