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
import random
import resource
import sqlite3
import tempfile
import time
import tracemalloc
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import phonenumbers

from screening.domain.engine import ScreeningEngine
from screening.domain.lists import ListSnapshot
from screening.domain.model import Reason, ScreenRequest
from screening.domain.numbers import normalize
from screening.domain.policy import build_policy_set
from screening.adapters.sqlite.store import SqliteStore

from reporting import MIB, machine_rows, mib, progress, table

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
BLOCK_CATEGORIES = ("fraud", "victim", "witness", "official", "narcotics")
PRIVILEGED_KINDS = ("attorney", "legal-aid", "embassy", "hotline", "other")
AUDIT = ("2024-01-01T00:00:00+00:00", "bench_scale", "bulk load")

# What the screened calls are: (kind, share of the requests, the finding a
# screening of that kind must have; checked, so each kind takes its path).
REQUEST_MIX = (
    ("allowlisted", 0.62, Reason.ALLOWLISTED),
    ("allowlisted, inmate with many numbers", 0.05, Reason.ALLOWLISTED),
    ("blocked", 0.10, Reason.BLOCKED_NUMBER),
    ("privileged", 0.03, Reason.PRIVILEGED),
    ("unknown", 0.15, Reason.NOT_ON_ALLOWLIST),
    ("invalid", 0.05, Reason.INVALID_NUMBER),
)
MANY_NUMBERS_SHARE = 0.01  # "many numbers": the 1% of inmates with the longest lists
REGION = "ID"


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
        self._step = rng.randrange(self._size // 3, self._size)
        while math.gcd(self._step, self._size) != 1:
            self._step += 1
        self._offset = rng.randrange(self._size)

    def e164(self, index: int) -> str:
        prefix, subscriber = divmod((self._step * index + self._offset) % self._size, SUBSCRIBERS)
        number = f"+62{MOBILE_PREFIXES[prefix]}{subscriber:08d}"
        return number + str(index % 10) if index % 5 == 4 else number


def inmate_code(n: int) -> str:
    return f"NAPI{n:07d}"


def home_facility(inmate: str) -> str:
    return f"UPT{int(inmate.removeprefix('NAPI')) % FACILITIES:03d}"


# --- 1. the database -------------------------------------------------------

@dataclass(frozen=True)
class BuildResult:
    sizes: ListSizes
    inmates: int
    seconds: float
    file_bytes: int


def build_database(path: Path, sizes: ListSizes, seed: int,
                   more: Callable[[sqlite3.Connection], None] | None = None) -> BuildResult:
    """A new database created by SqliteStore (real schema), filled by bulk insert.

    more(conn): inserts more rows (bench_national: patterns, a watchlist) in
    the same transaction, before the list version is bumped."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    SqliteStore(path).close()
    rng = random.Random(seed)
    numbers = NumberSpace(seed)
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO blocklist (pattern, category, action, created_at, created_by, reason) "
                     "VALUES (?, ?, ?, ?, ?, ?)", blocklist_rows(rng, numbers, sizes.blocklist_indices))
    conn.executemany("INSERT INTO privileged (number, name, kind, created_at, created_by, reason) "
                     "VALUES (?, ?, ?, ?, ?, ?)", privileged_rows(rng, numbers, sizes.privileged_indices))
    conn.executemany("INSERT INTO allowlist (inmate_id, facility_id, number, name, relationship, "
                     "created_at, created_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     allowlist_rows(rng, numbers, sizes.allowlist_indices))
    if more is not None:
        more(conn)
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
    start, n = indices.start, 0
    while start < indices.stop:
        count = min(numbers_per_inmate(rng), indices.stop - start)
        inmate = inmate_code(n)
        home = home_facility(inmate)
        for index in range(start, start + count):
            facility = home if rng.random() < FACILITY_LIMITED_SHARE else ""
            yield inmate, facility, numbers.e164(index), person_name(rng), rng.choice(RELATIONSHIPS), *AUDIT
        start += count
        n += 1


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


# --- 3. screening latency --------------------------------------------------

@dataclass(frozen=True)
class Probe:
    kind: str
    request: ScreenRequest


class CallMaker:
    """(inmate, facility, number) of a call of each kind in REQUEST_MIX, from the database."""

    def __init__(self, conn: sqlite3.Connection, sizes: ListSizes, seed: int):
        self._conn = conn
        self._sizes = sizes
        self._numbers = NumberSpace(seed)
        self._rng = random.Random(seed + 1)
        self._inmates = [row[0] for row in conn.execute("SELECT DISTINCT inmate_id FROM allowlist")]
        self._last_approved = conn.execute("SELECT max(id) FROM allowlist").fetchone()[0]
        busiest = max(1, round(len(self._inmates) * MANY_NUMBERS_SHARE))
        self._busiest = conn.execute(
            "SELECT inmate_id, facility_id, number FROM allowlist WHERE inmate_id IN (SELECT inmate_id "
            "FROM allowlist GROUP BY inmate_id ORDER BY count(*) DESC, inmate_id LIMIT ?)", (busiest,)).fetchall()
        self._next_unknown = sizes.total
        self._makers = {
            "allowlisted": self._allowlisted,
            "allowlisted, inmate with many numbers": self._busiest_inmate,
            "blocked": lambda: self._unlisted(self._listed(self._sizes.blocklist_indices)),
            "privileged": lambda: self._unlisted(self._listed(self._sizes.privileged_indices)),
            "unknown": lambda: self._unlisted(self._unknown()),
            "invalid": lambda: self._unlisted(invalid_number(self._rng)),
        }

    def probes(self, count: int) -> list[Probe]:
        kinds = self._rng.choices([kind for kind, _, _ in REQUEST_MIX], [share for _, share, _ in REQUEST_MIX],
                                  k=count)
        return [self._probe(n, kind, *self._makers[kind]()) for n, kind in enumerate(kinds)]

    def _probe(self, n: int, kind: str, inmate: str, facility: str, number: str) -> Probe:
        dialed = dialed_form(self._rng, number) if number.startswith("+") else number
        return Probe(kind, ScreenRequest(call_id=f"call-{n}", facility_id=facility, inmate_id=inmate,
                                         dialed_number=dialed, station_id="station-1"))

    def _allowlisted(self) -> tuple[str, str, str]:
        row = self._conn.execute("SELECT inmate_id, facility_id, number FROM allowlist WHERE id = ?",
                                 (self._rng.randint(1, self._last_approved),)).fetchone()
        return approved_call(row)

    def _busiest_inmate(self) -> tuple[str, str, str]:
        return approved_call(self._rng.choice(self._busiest))

    def _listed(self, indices: range) -> str:
        return self._numbers.e164(self._rng.choice(indices))

    def _unknown(self) -> str:
        self._next_unknown += 1
        return self._numbers.e164(self._next_unknown)

    def _unlisted(self, number: str) -> tuple[str, str, str]:
        inmate = self._rng.choice(self._inmates)
        return inmate, home_facility(inmate), number


def approved_call(row: tuple[str, str, str]) -> tuple[str, str, str]:
    inmate, facility, number = row
    return inmate, facility or home_facility(inmate), number


def invalid_number(rng: random.Random) -> str:
    """Mistyped: a mobile number with digits missing or too many."""
    prefix = rng.choice(MOBILE_PREFIXES)
    if rng.random() < 0.5:
        return f"0{prefix}{rng.randrange(10**3):03d}"
    return f"0{prefix}{rng.randrange(10**11):011d}"


def dialed_form(rng: random.Random, e164: str) -> str:
    """The number as a phone system may pass it on: +62..., 62..., 0812..., with separators."""
    national = "0" + e164[3:]
    return rng.choice((
        e164,
        e164[1:],
        national,
        f"{national[:4]}-{national[4:8]}-{national[8:]}",
        f"+62 {e164[3:6]} {e164[6:10]} {e164[10:]}",
    ))


@dataclass(frozen=True)
class Latency:
    """Per-call latency in microseconds (nearest-rank percentiles)."""

    count: int
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def of(cls, nanos: Sequence[int]) -> Latency:
        ordered = sorted(nanos)

        def percentile(p: float) -> float:
            return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] / 1000

        return cls(len(ordered), percentile(50), percentile(90), percentile(99), ordered[-1] / 1000)


@dataclass(frozen=True)
class ScreeningResult:
    warm: dict[str, Latency]  # by request kind, and "all"
    cold: dict[str, Latency]
    allowlist_find_ns: float
    blocked_find_ns: float


def measure_screening(path: Path, sizes: ListSizes, snapshot: ListSnapshot,
                      args: argparse.Namespace) -> ScreeningResult:
    """Screens `args.requests` calls drawn from a pool of `args.pool` requests."""
    with closing(sqlite3.connect(path)) as conn:
        pool = CallMaker(conn, sizes, args.seed).probes(args.pool)
    calls = random.Random(args.seed + 2).choices(pool, k=args.requests)
    engine = ScreeningEngine(build_policy_set(), snapshot)
    normalize.cache_clear()
    warm_up(engine, pool)
    warm = by_kind(calls, time_screens(engine, calls, cold=False))
    cold = by_kind(calls, time_screens(engine, calls, cold=True))
    return ScreeningResult(warm, cold, *lookup_ns(snapshot, pool))


def warm_up(engine: ScreeningEngine, pool: list[Probe]) -> None:
    """Screens each request of the pool once, checking it took the path of its kind."""
    expected = {kind: reason for kind, _, reason in REQUEST_MIX}
    for probe in pool:
        screening = engine.screen(probe.request)
        if expected[probe.kind] not in {finding.reason for finding in screening.findings}:
            raise RuntimeError(f"a {probe.kind!r} request did not find {expected[probe.kind].name}: "
                               f"{probe.request} -> {screening}")


def time_screens(engine: ScreeningEngine, calls: list[Probe], cold: bool) -> array:
    """Nanoseconds of each screen(); cold clears the number cache before each call."""
    durations = array("q")
    clock, clear_cache = time.perf_counter_ns, normalize.cache_clear
    for call in calls:
        if cold:
            clear_cache()
        started = clock()
        engine.screen(call.request)
        durations.append(clock() - started)
    return durations


def by_kind(calls: list[Probe], durations: array) -> dict[str, Latency]:
    kinds: dict[str, list[int]] = {kind: [] for kind, _, _ in REQUEST_MIX}
    for call, nanos in zip(calls, durations, strict=True):
        kinds[call.kind].append(nanos)
    return {"all": Latency.of(durations)} | {kind: Latency.of(nanos) for kind, nanos in kinds.items() if nanos}


def lookup_ns(snapshot: ListSnapshot, pool: list[Probe], lookups: int = 1_000_000) -> tuple[float, float]:
    """Mean ns of one Allowlist.find and one BlockTable.find, Python loop included."""
    keyed = [(p.request.inmate_id, p.request.facility_id, normalize(p.request.dialed_number, REGION).key)
             for p in pool]
    calls = [call for call in keyed if call[2]]
    rounds = max(1, lookups // len(calls))
    return (mean_ns(snapshot.allowlist.find, calls, rounds),
            mean_ns(snapshot.blocked.find, [(key, len(str(key)), facility, inmate, 0)
                                            for inmate, facility, key in calls], rounds))


def mean_ns(function: Callable, calls: list[tuple], rounds: int) -> float:
    started = time.perf_counter_ns()
    for _ in range(rounds):
        for call in calls:
            function(*call)
    return (time.perf_counter_ns() - started) / (rounds * len(calls))


# --- 4. one list size, end to end ------------------------------------------

@dataclass(frozen=True)
class SizeResult:
    build: BuildResult
    load: LoadResult
    screening: ScreeningResult


def measure_size(folder: Path, entries: int, args: argparse.Namespace, trace: bool) -> SizeResult:
    sizes = ListSizes.national_mix(entries)
    path = folder / f"bench_scale-{entries}.db"
    progress(f"{entries:,} entries: building the database")
    build = build_database(path, sizes, args.seed)
    progress(f"{entries:,} entries: loading the snapshot")
    snapshot, load = load_snapshot(path)
    if trace:
        progress(f"{entries:,} entries: loading again under tracemalloc")
        current, peak = traced_load(path)
        load = replace(load, traced_current=current, traced_peak=peak)
    progress(f"{entries:,} entries: screening {args.requests:,} calls, warm then cold")
    screening = measure_screening(path, sizes, snapshot, args)
    return SizeResult(build, load, screening)


# --- the report ------------------------------------------------------------

def report(args: argparse.Namespace, full: SizeResult, by_size: list[SizeResult], seconds: float) -> str:
    return "\n\n".join((
        machine_section(args),
        build_section(by_size),
        load_section(full, by_size),
        latency_section(full, args),
        flatness_section(by_size),
        f"Whole run: {seconds:.0f} s wall, peak RSS {peak_rss_bytes() / MIB:,.0f} MiB.",
    )) + "\n"


def machine_section(args: argparse.Namespace) -> str:
    rows = [*machine_rows(), ("phonenumbers", phonenumbers.__version__), ("Seed", str(args.seed))]
    return "## Machine\n\n" + table(("", ""), rows, text_columns=2)


def build_section(by_size: list[SizeResult]) -> str:
    rows = [(f"{r.build.sizes.total:,}", f"{r.build.sizes.allowlist:,}", f"{r.build.inmates:,}",
             f"{r.build.sizes.blocklist:,}", f"{r.build.sizes.privileged:,}", f"{r.build.seconds:.1f}",
             f"{r.build.sizes.total / r.build.seconds:,.0f}", f"{r.build.file_bytes / MIB:,.0f}")
            for r in by_size]
    return ("## 1. Building the SQLite database\n\n"
            "One `executemany` transaction per database into the schema SqliteStore creates, "
            "WAL checkpoint on close included.\n\n"
            + table(("entries", "allowlist", "inmates", "blocklist", "privileged", "build (s)", "rows/s",
                     "file (MiB)"), rows))


def load_section(full: SizeResult, by_size: list[SizeResult]) -> str:
    load = full.load
    traced = ("n/a", "n/a") if load.traced_current is None else (
        mib(load.traced_current), mib(load.traced_peak))
    arrays = load.array_bytes
    rows = [(f"{full.build.sizes.total:,}", f"{load.seconds:.2f}", mib(load.rss_growth), *traced,
             mib(sum(arrays.values())), mib(arrays["allowlist"]), mib(arrays["blocklist"]),
             mib(arrays["privileged"]))]
    return ("## 2. Loading the snapshot\n\n"
            "`SqliteStore(path).snapshot()`: wall time; VmRSS growth with the snapshot held; "
            "tracemalloc of a second load (Python allocations held by the snapshot, and the peak while "
            "loading); and the arrays' `nbytes()`.\n\n"
            + table(("entries", "load (s)", "RSS growth (MiB)", "tracemalloc held (MiB)",
                     "tracemalloc peak (MiB)", "arrays (MiB)", "allowlist arrays", "blocklist arrays",
                     "privileged arrays"), rows)
            + "\n\nLoad time by size: "
            + ", ".join(f"{r.build.sizes.total:,}: {r.load.seconds:.2f} s" for r in by_size) + ".")


def latency_section(full: SizeResult, args: argparse.Namespace) -> str:
    shares = {kind: share for kind, share, _ in REQUEST_MIX} | {"all": 1.0}
    rows = [(cache, kind, f"{shares[kind]:.0%}", *latency_cells(latency))
            for cache, latencies in (("warm", full.screening.warm), ("cold", full.screening.cold))
            for kind, latency in latencies.items()]
    return (f"## 3. Screening latency, in process ({full.build.sizes.total:,} entries)\n\n"
            f"`ScreeningEngine.screen()` timed call by call with `perf_counter_ns`: {args.requests:,} calls "
            f"drawn from {args.pool:,} distinct requests. Warm: the `normalize` cache already holds every "
            "number (numbers repeat). Cold: the cache is cleared before each call, so each one pays "
            "phonenumbers parsing. Microseconds.\n\n"
            + table(("cache", "request kind", "share", "calls", "p50", "p90", "p99", "max"), rows, text_columns=2))


def flatness_section(by_size: list[SizeResult]) -> str:
    return ("## 4. Lookup cost by list size\n\n"
            "Same request mix at each size. Screening in microseconds; the `find` columns are the mean "
            "nanoseconds of one lookup of the pool's numbers (Python loop included). The pool's lookups "
            "land all over the lists, so the larger the lists, the more of them miss the CPU caches.\n\n"
            + table(("entries", "allowlist", "warm p50", "warm p99", "cold p50", "cold p99",
                     "Allowlist.find (ns)", "BlockTable.find (ns)"), [flatness_row(r) for r in by_size]))


def flatness_row(result: SizeResult) -> tuple[str, ...]:
    sizes, screening = result.build.sizes, result.screening
    warm, cold = screening.warm["all"], screening.cold["all"]
    return (f"{sizes.total:,}", f"{sizes.allowlist:,}", f"{warm.p50:.1f}", f"{warm.p99:.1f}", f"{cold.p50:.1f}",
            f"{cold.p99:.1f}", f"{screening.allowlist_find_ns:.0f}", f"{screening.blocked_find_ns:.0f}")


def latency_cells(latency: Latency) -> tuple[str, ...]:
    return (f"{latency.count:,}", *(f"{value:.1f}" for value in
                                    (latency.p50, latency.p90, latency.p99, latency.max)))


# --- main ------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=200_000,
                        help="list entries in all, at the national mix (default 200000; national: 2600000)")
    parser.add_argument("--requests", type=int, default=200_000, help="screenings timed per run (default 200000)")
    parser.add_argument("--pool", type=int, default=20_000,
                        help="distinct requests the screenings are drawn from (default 20000)")
    parser.add_argument("--sizes", type=size_list, default="10000,100000,1000000",
                        help="smaller list sizes for the flatness table, comma-separated; "
                             "sizes >= --entries are skipped")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--db-dir", type=Path, help="keep the databases here (default: a temporary folder)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the traced second load")
    args = parser.parse_args(argv)
    if args.entries < 1000:
        parser.error("--entries must be at least 1000")
    if args.requests < 1 or args.pool < 1:
        parser.error("--requests and --pool must be positive")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    smaller = sorted(size for size in args.sizes if size < args.entries)
    with work_folder(args.db_dir) as folder:
        # The full size first, in a fresh process, so its RSS growth is clean.
        full = measure_size(folder, args.entries, args, trace=not args.no_tracemalloc)
        by_size = [measure_size(folder, size, args, trace=False) for size in smaller] + [full]
    print(report(args, full, by_size, time.perf_counter() - started))


def size_list(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of sizes") from None
    if any(size < 1000 for size in sizes):
        raise argparse.ArgumentTypeError("sizes must be at least 1000")
    return sizes


@contextmanager
def work_folder(db_dir: Path | None, prefix: str = "bench_scale-") -> Iterator[Path]:
    """db_dir (made if missing) or a temporary folder, deleted afterwards."""
    if db_dir is not None:
        db_dir.mkdir(parents=True, exist_ok=True)
        yield db_dir
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder)


if __name__ == "__main__":
    main()
