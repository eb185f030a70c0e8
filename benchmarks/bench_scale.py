"""Scale benchmark: the lists at national size, from SQLite to a screening.

Builds a SQLite database of N list entries at the national mix, loads it with
SqliteStore.snapshot(), then times ScreeningEngine.screen() call by call, warm
and cold, and again for smaller lists to show the lookups stay flat. Prints a
Markdown report on stdout; progress goes to stderr.

    python benchmarks/bench_scale.py                    # 200,000 entries, quick
    python benchmarks/bench_scale.py --entries 2600000  # national scale
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import resource
import shlex
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import phonenumbers

from screening.domain.engine import ScreeningEngine
from screening.domain.lists import ListSnapshot
from screening.domain.model import ScreenRequest
from screening.domain.numbers import normalize
from screening.domain.policy import build_policy_set
from screening.store.sqlite import SqliteStore

# The national mix: 2,000,000 approved numbers of 270,000 inmates, 500,000
# blocked and 100,000 privileged numbers; smaller runs keep the proportions.
NATIONAL_ENTRIES = 2_600_000
NATIONAL_BLOCKLIST = 500_000
NATIONAL_PRIVILEGED = 100_000
NUMBERS_PER_INMATE = 2_000_000 / 270_000
MAX_NUMBERS_PER_INMATE = 60
FACILITIES = 526  # prisons and remand centres
FACILITY_LIMITED_SHARE = 0.1  # approved numbers valid in one facility only

# Telkomsel, Indosat, XL, Axis, Tri and Smartfren mobile prefixes (after +62).
MOBILE_PREFIXES = ("811", "812", "813", "821", "822", "823", "851", "852", "853", "814", "815", "816",
                   "855", "856", "857", "858", "817", "818", "819", "859", "877", "878", "831", "832",
                   "833", "838", "895", "896", "897", "898", "899", "881", "882", "883", "887", "888")
SUBSCRIBERS = 10**8  # eight subscriber digits: +62 812 xxxx xxxx, 13 digits

GIVEN_NAMES = ("Siti", "Dewi", "Agus", "Budi", "Sri", "Rina", "Ahmad", "Wahyu", "Putri", "Eko", "Nur", "Yusuf")
FAMILY_NAMES = ("Rahayu", "Santoso", "Wijaya", "Hidayat", "Lestari", "Saputra", "Kurniawan", "Pratama")
RELATIONSHIPS = ("spouse", "mother", "father", "child", "sibling", "relative", "friend", "lawyer")
BLOCK_CATEGORIES = ("fraud", "victim", "witness", "harassment", "drug network")
PRIVILEGED_KINDS = ("attorney", "legal-aid", "embassy", "hotline", "other")
AUDIT = ("2024-01-01T00:00:00+00:00", "bench_scale", "bulk load")

# What the screened calls are: (kind, share of the requests).
REQUEST_MIX = (
    ("allowlisted", 0.62),
    ("allowlisted, inmate with many numbers", 0.05),
    ("blocked", 0.10),
    ("privileged", 0.03),
    ("unknown", 0.15),
    ("invalid", 0.05),
)
MANY_NUMBERS_SHARE = 0.01  # "many numbers": the 1% of inmates with the longest lists
REGION = "ID"
MIB = 1024 * 1024


@dataclass(frozen=True)
class ListSizes:
    """How many entries each list gets; entry indices are laid out blocklist,
    privileged, allowlist, and every index past them is an unlisted number."""

    allowlist: int
    blocklist: int
    privileged: int

    @classmethod
    def national_mix(cls, entries: int) -> ListSizes:
        blocklist = round(entries * NATIONAL_BLOCKLIST / NATIONAL_ENTRIES)
        privileged = round(entries * NATIONAL_PRIVILEGED / NATIONAL_ENTRIES)
        return cls(entries - blocklist - privileged, blocklist, privileged)

    @property
    def total(self) -> int:
        return self.allowlist + self.blocklist + self.privileged

    @property
    def blocklist_indices(self) -> range:
        return range(0, self.blocklist)

    @property
    def privileged_indices(self) -> range:
        return range(self.blocklist, self.blocklist + self.privileged)

    @property
    def allowlist_indices(self) -> range:
        return range(self.blocklist + self.privileged, self.total)


class NumberSpace:
    """Distinct valid Indonesian mobile numbers, one per index.

    An affine permutation of prefix x subscriber spreads consecutive indices
    over the whole space; every fifth number gets a ninth subscriber digit
    (14 digits in E.164). Distinct indices give distinct numbers.
    """

    def __init__(self, seed: int):
        rng = random.Random(seed)
        self._size = len(MOBILE_PREFIXES) * SUBSCRIBERS
        self._step = next(s for s in iter(lambda: rng.randrange(self._size // 3, self._size), None)
                          if math.gcd(s, self._size) == 1)
        self._offset = rng.randrange(self._size)

    def e164(self, index: int) -> str:
        prefix, subscriber = divmod((self._step * index + self._offset) % self._size, SUBSCRIBERS)
        number = f"+62{MOBILE_PREFIXES[prefix]}{subscriber:08d}"
        return number + str(index % 10) if index % 5 == 4 else number


def inmate_id(inmate: int) -> str:
    return f"NAPI{inmate:07d}"


def home_facility(inmate_id_: str) -> str:
    return f"UPT{int(inmate_id_.removeprefix('NAPI')) % FACILITIES:03d}"


# --- 1. the database -------------------------------------------------------

@dataclass(frozen=True)
class BuildResult:
    sizes: ListSizes
    inmates: int
    seconds: float
    file_bytes: int


def build_database(path: Path, sizes: ListSizes, seed: int) -> BuildResult:
    """A database created by SqliteStore (real schema), filled by bulk insert."""
    SqliteStore(path).close()
    rng = random.Random(seed)
    numbers = NumberSpace(seed)
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO blocklist (number, category, action, created_at, created_by, reason) "
                     "VALUES (?, ?, ?, ?, ?, ?)", blocklist_rows(rng, numbers, sizes.blocklist_indices))
    conn.executemany("INSERT INTO privileged (number, name, kind, created_at, created_by, reason) "
                     "VALUES (?, ?, ?, ?, ?, ?)", privileged_rows(rng, numbers, sizes.privileged_indices))
    conn.executemany("INSERT INTO allowlist (inmate_id, facility_id, number, name, relationship, "
                     "created_at, created_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     allowlist_rows(rng, numbers, sizes.allowlist_indices))
    conn.execute("UPDATE list_version SET version = version + 1")
    conn.execute("COMMIT")
    conn.close()  # checkpoints the WAL into the database file
    seconds = time.perf_counter() - started
    with closing(sqlite3.connect(path)) as conn:
        inmates = conn.execute("SELECT count(DISTINCT inmate_id) FROM allowlist").fetchone()[0]
    return BuildResult(sizes, inmates, seconds, path.stat().st_size)


def blocklist_rows(rng: random.Random, numbers: NumberSpace, indices: range) -> Iterator[tuple]:
    for index in indices:
        action = "review" if rng.random() < 0.1 else "deny"
        yield numbers.e164(index), rng.choice(BLOCK_CATEGORIES), action, *AUDIT


def privileged_rows(rng: random.Random, numbers: NumberSpace, indices: range) -> Iterator[tuple]:
    for index in indices:
        yield numbers.e164(index), person_name(rng), rng.choice(PRIVILEGED_KINDS), *AUDIT


def allowlist_rows(rng: random.Random, numbers: NumberSpace, indices: range) -> Iterator[tuple]:
    """Inmate after inmate, each with a long-tailed count of approved numbers."""
    start, inmate = indices.start, 0
    while start < indices.stop:
        count = min(numbers_per_inmate(rng), indices.stop - start)
        inmate_, home = inmate_id(inmate), home_facility(inmate_id(inmate))
        for index in range(start, start + count):
            facility = home if rng.random() < FACILITY_LIMITED_SHARE else ""
            yield inmate_, facility, numbers.e164(index), person_name(rng), rng.choice(RELATIONSHIPS), *AUDIT
        start += count
        inmate += 1


def numbers_per_inmate(rng: random.Random) -> int:
    # 1 + exponential, floored: mean NUMBERS_PER_INMATE.
    return min(MAX_NUMBERS_PER_INMATE, 1 + int(rng.expovariate(1 / (NUMBERS_PER_INMATE - 0.5))))


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN_NAMES)} {rng.choice(FAMILY_NAMES)}"


# --- 2. loading the snapshot -----------------------------------------------

@dataclass(frozen=True)
class LoadResult:
    seconds: float
    rss_growth: int
    array_bytes: dict[str, int]
    traced_current: int | None = None
    traced_peak: int | None = None


def load_snapshot(path: Path) -> tuple[ListSnapshot, LoadResult]:
    """The snapshot, its load time and the resident memory it added."""
    store = SqliteStore(path)
    gc.collect()
    rss_before = rss_bytes()
    started = time.perf_counter()
    snapshot = store.snapshot()
    seconds = time.perf_counter() - started
    store.close()
    gc.collect()
    return snapshot, LoadResult(seconds, rss_bytes() - rss_before, array_bytes(snapshot))


def traced_load(path: Path) -> tuple[int, int]:
    """Python allocations of a second load: (held by the snapshot, peak while loading)."""
    store = SqliteStore(path)
    tracemalloc.start()
    snapshot = store.snapshot()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store.close()
    del snapshot
    return current, peak


def array_bytes(snapshot: ListSnapshot) -> dict[str, int]:
    return {"allowlist": snapshot.allowlist.nbytes(), "blocklist": snapshot.blocked.nbytes(),
            "privileged": snapshot.privileged.nbytes()}


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


