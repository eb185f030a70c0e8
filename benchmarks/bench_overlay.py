"""Overlay benchmark: a list change applied in milliseconds, not a rebuild.

Builds a snapshot of synthetic lists at the national mix in memory
(build_snapshot of plain rows: approvals, blocked numbers, patterns,
privileged numbers, watchlist names), then times apply_delta for deltas
of 1, 1,000 and 10,000 changes across the lists, an import of 1,000
approvals, and one change on top of a 10,000-change overlay, with the
resident memory each adds (VmRSS) and its peak while applying (VmHWM,
reset before each). Then times ScreeningEngine.screen call by call on the
snapshot built whole and on overlaid ones. Prints a Markdown report on
stdout; progress goes to stderr.

    python benchmarks/bench_overlay.py                     # 200,000 entries, quick
    python benchmarks/bench_overlay.py --entries 2600000   # national scale
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import shlex
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass

from bench_patterns import Latency
from bench_scale import NATIONAL_ENTRIES, ListSizes
from synthetic_lists import SyntheticLists

from reporting import MIB, cpu_model, progress, table
from screening.domain.engine import ScreeningEngine
from screening.domain.lists import ListSnapshot
from screening.domain.model import ScreenRequest
from screening.domain.overlay import apply_delta
from screening.domain.policy import build_policy_set
from screening.domain.snapshots import Delta, ListChange, build_snapshot

NATIONAL_PATTERNS = 50_000
NATIONAL_WATCHLIST = 100_000
DELTA_SIZES = (1_000, 10_000)
IMPORT_SIZE = 1_000
LISTS = ("allowlist", "blocklist", "patterns", "privileged", "watchlist")


# --- memory --------------------------------------------------------------------

def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def rss() -> int:
    return _status("VmRSS")


def reset_peak() -> None:
    """Start VmHWM again from the current RSS (Linux 4.0+)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


# --- applying deltas ----------------------------------------------------------

@dataclass(frozen=True)
class Applied:
    what: str
    changes: int
    seconds: float
    rss_growth: int  # resident memory the new snapshot holds beyond the one before
    peak_growth: int  # highest resident memory while applying, beyond before
    rss_before: int
    traced: int  # Python allocations the new snapshot holds (tracemalloc)
    traced_peak: int  # and the most while applying
    overlay: int


def timed_apply(what: str, snapshot: ListSnapshot, delta: Delta) -> tuple[ListSnapshot, Applied]:
    gc.collect()
    before = rss()
    reset_peak()
    started = time.perf_counter()
    overlaid = apply_delta(snapshot, delta)
    seconds = time.perf_counter() - started
    peak = _status("VmHWM")
    gc.collect()
    growth = rss() - before
    # Again, traced: RSS may not grow while freed memory is reused, the
    # Python allocations show what the overlay takes.
    tracemalloc.start()
    again = apply_delta(snapshot, delta)
    traced, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del again
    progress(f"{what}: {seconds * 1000:.1f} ms")
    return overlaid, Applied(what, len(delta), seconds, growth, peak - before, before, traced, traced_peak,
                             overlaid.overlay_size())


# --- screening -----------------------------------------------------------------

def requests(lists: SyntheticLists, count: int, seed: int) -> list[ScreenRequest]:
    """Calls to approved, blocked, pattern-blocked, privileged and unknown
    numbers (of entries old and new), a third of them naming the called party."""
    rng = random.Random(f"requests-{seed}")
    made = []
    for n in range(count):
        inmate, number = lists.call(rng)
        name = lists.called_name(rng) if rng.random() < 0.33 else ""
        made.append(ScreenRequest(call_id=f"c-{n}", facility_id=lists.home(inmate), inmate_id=inmate,
                                  dialed_number=number, called_party_name=name))
    return made


def verify(overlaid: ListSnapshot, whole: ListSnapshot, calls: list[ScreenRequest]) -> None:
    """The overlaid snapshot decides every call as the one built whole of the same rows."""
    engines = [ScreeningEngine(build_policy_set(), snapshot, clock=lambda: 1_800_000_000) for snapshot in
               (overlaid, whole)]
    differ = sum(engines[0].screen(call) != engines[1].screen(call) for call in calls)
    if overlaid.counts() != whole.counts() or differ:
        raise SystemExit(f"overlay differs from a whole build: {differ} of {len(calls):,} calls, counts "
                         f"{overlaid.counts()} and {whole.counts()}")
    progress(f"verified: {len(calls):,} calls decided as by a whole build")


def screen_latency(snapshot: ListSnapshot, calls: list[ScreenRequest], warm_up: int) -> tuple[Latency, Latency]:
    """Of the calls naming nobody (the list lookups) and of those naming the called party."""
    engine = ScreeningEngine(build_policy_set(), snapshot)
    clock = time.perf_counter_ns
    for call in calls[:warm_up]:
        engine.screen(call)
    nanos: dict[bool, list[int]] = {False: [], True: []}
    for call in calls[warm_up:]:
        started = clock()
        engine.screen(call)
        nanos[bool(call.called_party_name)].append(clock() - started)
    return Latency.of(nanos[False]), Latency.of(nanos[True])


# --- the run -------------------------------------------------------------------

def run(args: argparse.Namespace) -> str:
    scale = args.entries / NATIONAL_ENTRIES
    sizes = ListSizes.national_mix(args.entries)
    lists = SyntheticLists(sizes, round(NATIONAL_PATTERNS * scale), round(NATIONAL_WATCHLIST * scale), args.seed)
    base, build_seconds, held = build(lists)
    applied, overlaid = [], {}
    for name in LISTS:
        applied.append(timed_apply(f"1 change ({name})", base, lists.delta(1, 2, name))[1])
    for size in DELTA_SIZES:
        lists.forget_changes()
        what = f"{size:,} change{'s' if size > 1 else ''}, all lists"
        overlaid[size], result = timed_apply(what, base, lists.delta(size, 2))
        applied.append(result)
    largest = overlaid[DELTA_SIZES[-1]]
    # Calls to entries of the largest overlay too, while its changes are known.
    calls = requests(lists, args.requests + args.warm_up, args.seed)
    rows_now = lists.current_rows(2) if args.verify else None
    for name in LISTS:  # the watchlist's costs most: its added names are indexed again
        applied.append(timed_apply(f"1 change ({name}) on the 10,000", largest, lists.delta(1, 3, name))[1])
    lists.forget_changes()
    applied.append(timed_apply(f"import of {IMPORT_SIZE:,} approvals", base, lists.imported(IMPORT_SIZE, 2))[1])
    latencies = screen_all(base, overlaid, calls, args)
    if rows_now is not None:  # last: it fills the remembered watchlist answers
        verify(largest, build_snapshot(rows_now), calls)
    return report(args, lists, build_seconds, held, applied, latencies)


def build(lists: SyntheticLists) -> tuple[ListSnapshot, float, int]:
    """The snapshot built whole, the seconds it took and the resident memory it holds."""
    progress(f"building {lists.describe()}")
    gc.collect()
    before = rss()
    started = time.perf_counter()
    base = build_snapshot(lists.rows())
    seconds = time.perf_counter() - started
    gc.collect()
    progress(f"built in {seconds:.1f} s; counts {base.counts()}")
    return base, seconds, rss() - before


def screen_all(base: ListSnapshot, overlaid: dict[int, ListSnapshot], calls: list[ScreenRequest],
               args: argparse.Namespace) -> list[tuple[str, tuple[Latency, Latency]]]:
    progress(f"screening {args.requests:,} calls on each snapshot")
    # The process's caches (numbers, names, the base index's similar words)
    # warmed once for all, on a watchlist of its own: each snapshot measured
    # starts with no remembered watchlist answer.
    warm = ListChange("watchlist", 1, None, (1, "Warm Up", (), "other", "review", "global"))
    engine = ScreeningEngine(build_policy_set(), apply_delta(base, Delta(2, (warm,))))
    for call in calls:
        engine.screen(call)
    latencies = [("built whole (no overlay)", screen_latency(base, calls, args.warm_up))]
    for size in DELTA_SIZES:
        latencies.append((f"overlay of {size:,} changes", screen_latency(overlaid[size], calls, args.warm_up)))
    return latencies


def report(args: argparse.Namespace, lists: SyntheticLists, build_seconds: float, held: int,
           applied: list[Applied], latencies: list[tuple[str, Latency]]) -> str:
    command = shlex.join(["python", "benchmarks/bench_overlay.py", *sys.argv[1:]])
    lines = [
        "# Overlay benchmark", "",
        f"`{command}` on {cpu_model()}, Python {platform.python_version()}.", "",
        f"Lists: {lists.describe()}. build_snapshot: {build_seconds:.1f} s, {held / MIB:,.0f} MiB resident.", "",
        "## apply_delta", "",
        "Each delta applied to the snapshot built whole (\"on the 10,000\": to the 10,000-change one). Growth: "
        "resident memory after minus before (the new snapshot held), and the peak while applying (VmHWM) minus "
        "before, also as a share (%) of the resident memory before; then the same delta applied again under "
        "tracemalloc: the Python memory the new snapshot holds beyond the old one, and the most while applying.",
        "",
        table(("delta", "changes", "ms", "RSS growth MiB", "peak RSS growth MiB", "%", "traced MiB",
               "traced peak MiB", "overlay entries"),
              [(a.what, f"{a.changes:,}", f"{a.seconds * 1000:,.1f}", f"{a.rss_growth / MIB:,.1f}",
                f"{a.peak_growth / MIB:,.1f}", f"{100 * a.peak_growth / a.rss_before:.2f}", f"{a.traced / MIB:,.2f}",
                f"{a.traced_peak / MIB:,.2f}", f"{a.overlay:,}") for a in applied]),
        "", "## ScreeningEngine.screen", "",
        f"{args.requests:,} calls after {args.warm_up:,} to warm up, timed one by one (perf_counter_ns), no "
        "behaviour rules, each snapshot on a new engine; split by whether the call names the called party (a third "
        "do: the watchlist searches, remembered per watchlist, so a repeated name costs little).", "",
        table(("snapshot", "no name p50 µs", "p99 µs", "mean µs", "named p50 µs", "p99 µs", "mean µs"),
              [(what, *(f"{v:.1f}" for l in pair for v in (l.p50_us, l.p99_us, l.mean_us)))
               for what, pair in latencies]),
        "",
    ]
    return "\n".join(lines)


def positive(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 1000:
        raise argparse.ArgumentTypeError("at least 1000")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=positive, default=200_000,
                        help="approvals + blocked + privileged numbers (national: 2600000); patterns and "
                             "watchlist names in proportion")
    parser.add_argument("--requests", type=positive, default=20_000)
    parser.add_argument("--warm-up", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verify", action="store_true",
                        help="check the 10,000-change overlay decides every call as a whole build of its rows")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    print(run(parse_args(argv)))


if __name__ == "__main__":
    main()
