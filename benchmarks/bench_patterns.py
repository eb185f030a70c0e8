"""Pattern benchmark: BlockTable.find costs the same at 1,000 and 1,000,000 entries.

Builds a BlockTable of N blocklist entries at a realistic mix (about 90% exact
numbers, 5% prefixes of varying length, 3% trailing-digit wildcards, 2%
ranges; random Indonesian mobile numbers from a fixed seed), then times
BlockTable.find call by call with perf_counter_ns over a mix of hits of each
kind and misses. Prints a Markdown report on stdout; progress goes to stderr.

    python benchmarks/bench_patterns.py                          # 1k, 10k, 100k, 1M entries
    python benchmarks/bench_patterns.py --sizes 1000,100000 --lookups 50000
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import shlex
import statistics
import sys
import time
import tracemalloc
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from screening.domain.blocklist import BlockRow, BlockTable, Category, Scope, ScopeKind
from screening.domain.model import BlockAction
from screening.domain.patterns import PatternKind, load_pattern

from reporting import cpu_model, mib, progress, size_list, table, timer_overhead_ns

# Telkomsel, Indosat, XL, Axis, Tri and Smartfren mobile prefixes (after +62),
# as in bench_scale.py.
MOBILE_PREFIXES = ("811", "812", "813", "821", "822", "823", "851", "852", "853", "814", "815", "816",
                   "855", "856", "857", "858", "817", "818", "819", "859", "877", "878", "831", "832",
                   "833", "838", "895", "896", "897", "898", "899", "881", "882", "883", "887", "888")
LONGER_NUMBER_SHARE = 0.2  # +62 8xx with nine subscriber digits (14 digits) instead of eight (13)

# The entry mix.
ENTRY_MIX = ((PatternKind.EXACT, 0.90), (PatternKind.PREFIX, 0.05), (PatternKind.WILDCARD, 0.03),
             (PatternKind.RANGE, 0.02))
# Prefix: how many subscriber digits follow the operator prefix (prefix length
# 5 + that), and how often; whole operators (+62812*) are left out, they would
# turn nearly every lookup into a hit.
PREFIX_DIGITS = ((3, 1), (4, 2), (5, 4), (6, 8), (7, 8))
MAX_WILDCARDS = 4
RANGE_SPAN = (10, 10_000)  # numbers in a range, drawn log-uniformly
SCOPED_SHARE = 0.10  # half facility:ID, half inmate:ID; the rest global
FACILITIES = 526
INMATES = 270_000
NOW = 1_750_000_000  # Unix seconds, for expiry; no entry expires

# The lookup mix: (what the lookup is built to find, share).
LOOKUP_MIX = (("exact hit", 0.40), ("prefix hit", 0.10), ("wildcard hit", 0.10), ("range hit", 0.10),
              ("miss", 0.30))
LOOKUP_KIND = {"exact hit": PatternKind.EXACT, "prefix hit": PatternKind.PREFIX,
               "wildcard hit": PatternKind.WILDCARD, "range hit": PatternKind.RANGE, "miss": None}
WARM_UP = 10_000


# --- the entries -------------------------------------------------------------

def random_number(rng: random.Random) -> str:
    """E.164 digits of a random Indonesian mobile number, 13 or 14 digits."""
    subscriber_digits = 9 if rng.random() < LONGER_NUMBER_SHARE else 8
    return f"62{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**subscriber_digits):0{subscriber_digits}d}"


def random_pattern(rng: random.Random, kind: PatternKind) -> str:
    """Canonical text of one pattern of this kind, as the store holds it."""
    digits = random_number(rng)
    if kind is PatternKind.EXACT:
        return f"+{digits}"
    if kind is PatternKind.PREFIX:
        extra = rng.choices([d for d, _ in PREFIX_DIGITS], [w for _, w in PREFIX_DIGITS])[0]
        return f"+{digits[:5 + extra]}*"
    if kind is PatternKind.WILDCARD:
        wildcards = rng.randint(1, MAX_WILDCARDS)
        return f"+{digits[:-wildcards]}{'?' * wildcards}"
    span = round(10 ** rng.uniform(*(len(str(s)) - 1 for s in RANGE_SPAN)))
    high = min(int(digits) + span - 1, int("9" * len(digits)))
    return f"+{digits}..+{high}"


def random_scope(rng: random.Random) -> Scope:
    draw = rng.random()
    if draw >= SCOPED_SHARE:
        return Scope()
    if draw < SCOPED_SHARE / 2:
        return Scope(ScopeKind.FACILITY, f"LP-{rng.randrange(FACILITIES):03d}")
    return Scope(ScopeKind.INMATE, f"N-{rng.randrange(INMATES):06d}")


def generate_rows(size: int, seed: int) -> Iterator[BlockRow]:
    """The same `size` entries for the same seed, one at a time."""
    rng = random.Random(f"entries-{seed}-{size}")
    kinds, weights = zip(*ENTRY_MIX)
    for entry_id in range(1, size + 1):
        kind = rng.choices(kinds, weights)[0]
        yield BlockRow(entry_id, random_pattern(rng, kind), rng.choice((BlockAction.DENY, BlockAction.REVIEW)),
                       rng.choice(list(Category)), random_scope(rng), 0)


# --- the lookups ---------------------------------------------------------------

@dataclass(frozen=True)
class Lookup:
    kind: str  # what it is built to find, from LOOKUP_MIX
    key: int
    digits: int
    facility: str
    inmate: str


def fill(rng: random.Random, fixed: str, length: int) -> str:
    return fixed + "".join(rng.choice("0123456789") for _ in range(length - len(fixed)))


def make_lookups(rows: Sequence[BlockRow], count: int, seed: int) -> list[Lookup]:
    """Numbers that fall under an entry of each kind, and random numbers."""
    rng = random.Random(f"lookups-{seed}-{len(rows)}")
    by_kind: dict[PatternKind, list[str]] = {kind: [] for kind, _ in ENTRY_MIX}
    for row in rows:
        if row.scope.kind is ScopeKind.GLOBAL:  # a hit must not depend on who calls
            by_kind[load_kind(row.pattern)].append(row.pattern)
    kinds, weights = zip(*LOOKUP_MIX)
    lookups = []
    for kind in rng.choices(kinds, weights, k=count):
        wanted = LOOKUP_KIND[kind]
        patterns = by_kind.get(wanted) if wanted is not None else None
        if wanted is None or not patterns:
            digits = random_number(rng)
        else:
            text = rng.choice(patterns)
            if wanted is PatternKind.EXACT:
                digits = text[1:]
            elif wanted is PatternKind.PREFIX:
                digits = fill(rng, text[1:-1], 14 if rng.random() < LONGER_NUMBER_SHARE else 13)
            elif wanted is PatternKind.WILDCARD:
                digits = fill(rng, text[1:].rstrip("?"), len(text) - 1)
            else:
                low, high = (int(end[1:]) for end in text.split(".."))
                digits = str(rng.randint(low, high))
        lookups.append(Lookup(kind, int(digits), len(digits), f"LP-{rng.randrange(FACILITIES):03d}",
                              f"N-{rng.randrange(INMATES):06d}"))
    return lookups


def load_kind(text: str) -> PatternKind:
    if ".." in text:
        return PatternKind.RANGE
    if text.endswith("*"):
        return PatternKind.PREFIX
    return PatternKind.WILDCARD if text.endswith("?") else PatternKind.EXACT


# --- measuring -----------------------------------------------------------------

@dataclass(frozen=True)
class Latency:
    p50_us: float
    p99_us: float
    mean_us: float

    @classmethod
    def of(cls, nanos: Sequence[int]) -> Latency:
        ordered = sorted(nanos)
        return cls(ordered[len(ordered) // 2] / 1000, ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)] / 1000,
                   statistics.fmean(ordered) / 1000)


@dataclass(frozen=True)
class SizeResult:
    size: int
    kinds: Counter  # entries per pattern kind
    rules: int
    classes: int  # distinct (prefix length, required length) classes
    classes_13: int  # classes a 13-digit number is looked up in
    build_seconds: float
    held_bytes: int | None  # tracemalloc: what the built table keeps
    peak_bytes: int | None  # tracemalloc: peak while building
    latency: Latency
    by_lookup: dict[str, Latency]
    outcomes: dict[str, Counter]  # lookup kind -> kind of pattern found ("none" for no hit)


def measure(size: int, args: argparse.Namespace) -> SizeResult:
    progress(f"{size:,} entries: generating")
    rows = list(generate_rows(size, args.seed))
    kinds = Counter(load_kind(row.pattern) for row in rows)
    classes: set[tuple[int, int]] = set()
    rules = 0
    for row in rows:
        for rule in load_pattern(row.pattern).rules:
            classes.add((len(rule.prefix), rule.length))
            rules += 1
    classes_13 = sum(1 for k, t in classes if k <= 13 and t in (0, 13))

    progress(f"{size:,} entries: building the table")
    gc.collect()
    started = time.perf_counter()
    table = BlockTable(rows)
    build_seconds = time.perf_counter() - started

    held = peak = None
    if not args.no_tracemalloc:
        progress(f"{size:,} entries: building again under tracemalloc")
        # From a generator, so the pattern strings the table keeps are counted
        # and the rows it does not keep are freed as it goes.
        gc.collect()
        tracemalloc.start()
        traced = BlockTable(generate_rows(size, args.seed))
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del traced

    progress(f"{size:,} entries: {args.lookups:,} lookups")
    lookups = make_lookups(rows, args.lookups, args.seed)
    del rows
    outcomes: dict[str, Counter] = {kind: Counter() for kind, _ in LOOKUP_MIX}
    for lookup in lookups:  # what each lookup finds; also warms the table up
        hit = table.find(lookup.key, lookup.digits, lookup.facility, lookup.inmate, NOW)
        outcomes[lookup.kind][hit.kind.name.lower() if hit else "none"] += 1
    durations = time_lookups(table, lookups)
    per_kind: dict[str, list[int]] = {kind: [] for kind, _ in LOOKUP_MIX}
    for lookup, nanos in zip(lookups, durations, strict=True):
        per_kind[lookup.kind].append(nanos)
    return SizeResult(size, kinds, rules, len(classes), classes_13, build_seconds, held, peak,
                      Latency.of(durations), {k: Latency.of(v) for k, v in per_kind.items() if v}, outcomes)


def time_lookups(table: BlockTable, lookups: list[Lookup]) -> array:
    """Nanoseconds of each BlockTable.find, garbage collection off."""
    find, clock = table.find, time.perf_counter_ns
    calls = [(lookup.key, lookup.digits, lookup.facility, lookup.inmate, NOW) for lookup in lookups]
    for call in calls[:WARM_UP]:
        find(*call)
    durations = array("q")
    gc.collect()
    gc.disable()
    try:
        for key, digits, facility, inmate, now in calls:
            started = clock()
            find(key, digits, facility, inmate, now)
            durations.append(clock() - started)
    finally:
        gc.enable()
    return durations


# --- the report ------------------------------------------------------------------


def report(args: argparse.Namespace, results: list[SizeResult], overhead: float, seconds: float) -> str:
    machine = [
        ("Command", f"`{shlex.join(sys.orig_argv)}`"),
        ("CPU", f"{cpu_model()}, {os.cpu_count()} logical CPUs"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("OS", platform.platform()),
        ("Seed", str(args.seed)),
    ]
    main_rows = []
    for r in results:
        per_entry = "-" if r.held_bytes is None else f"{r.held_bytes / r.size:,.0f}"
        main_rows.append((
            f"{r.size:,}", f"{r.rules:,}", str(r.classes), str(r.classes_13), f"{r.build_seconds:.2f}",
            mib(r.held_bytes), per_entry, mib(r.peak_bytes),
            f"{r.latency.p50_us:.2f}", f"{r.latency.p99_us:.2f}", f"{r.latency.mean_us:.2f}",
        ))
    kind_rows = []
    for r in results:
        cells = [f"{r.size:,}"]
        for kind, _ in LOOKUP_MIX:
            latency = r.by_lookup[kind]
            cells.append(f"{latency.p50_us:.2f} / {latency.p99_us:.2f}")
        kind_rows.append(cells)
    outcome_rows = []
    for r in results:
        cells = [f"{r.size:,}"]
        for kind, _ in LOOKUP_MIX:
            found = r.outcomes[kind]
            total = sum(found.values())
            wanted = LOOKUP_KIND[kind]
            name = wanted.name.lower() if wanted is not None else "none"
            cells.append(f"{100 * found[name] / total:.1f}%" if total else "-")
        outcome_rows.append(cells)
    mix = ", ".join(f"{share:.0%} {kind.name.lower()}" for kind, share in ENTRY_MIX)
    lookup_mix = ", ".join(f"{share:.0%} {kind}" for kind, share in LOOKUP_MIX)
    return "\n\n".join((
        "## Machine\n\n" + table(("", ""), machine, text_columns=2),
        "## BlockTable.find by table size\n\n"
        f"Entries: {mix}; {SCOPED_SHARE:.0%} scoped to a facility or an inmate. "
        f"{args.lookups:,} lookups ({lookup_mix}), each timed with `perf_counter_ns` "
        f"(timer overhead about {overhead:.0f} ns, included), garbage collection off. "
        "*Classes*: distinct (prefix length, required length) pairs in the table; *per 13-digit*: how many "
        "of them a 13-digit number is looked up in (one hash probe each, usually). *Held*: tracemalloc of "
        "what the built table keeps, pattern texts included; *peak*: tracemalloc peak while building.\n\n"
        + table(("entries", "rules", "classes", "per 13-digit", "build (s)", "held (MiB)", "bytes/entry",
                 "peak (MiB)", "p50 (µs)", "p99 (µs)", "mean (µs)"), main_rows),
        "### p50 / p99 (µs) by lookup kind\n\n"
        + table(("entries", *(kind for kind, _ in LOOKUP_MIX)), kind_rows),
        "### Lookups that found what they were built to find\n\n"
        "A lookup built from a pattern may find a more specific entry instead (an exact number inside a "
        "range, say), and a random number may fall under a pattern.\n\n"
        + table(("entries", *(kind for kind, _ in LOOKUP_MIX)), outcome_rows),
        f"Whole run: {seconds:.0f} s wall.",
    )) + "\n"


# --- command line ------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=size_list, default=[1_000, 10_000, 100_000, 1_000_000],
                        help="comma-separated table sizes (default: 1000,10000,100000,1000000)")
    parser.add_argument("--lookups", type=int, default=200_000, help="timed lookups per size (default: 200,000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of entries and lookups (default: 1)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the traced second build")
    args = parser.parse_args(argv)
    if args.lookups < 1:
        parser.error("--lookups must be positive")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    overhead = timer_overhead_ns()
    results = [measure(size, args) for size in args.sizes]
    print(report(args, results, overhead, time.perf_counter() - started))


if __name__ == "__main__":
    main()
