"""Name benchmark of two source trees, back to back: is the watchlist search slower?

Runs bench_names.py (the same file, this one's neighbour: the same names and
queries) once per tree and round, each in its own process with PYTHONPATH
set to the tree, so each imports its own `screening`. The trees take turns,
and each round starts with the other one, so that a neighbour's load on a
shared machine falls on both alike; the figures are the medians over the
rounds. The first tree is the reference: the last columns are the second's
figures over the first's.

    git worktree add --detach /tmp/base main
    python benchmarks/compare_names.py /tmp/base . --rounds 3 --sizes 10000,100000 --queries 5000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from reporting import size_list

BENCH = Path(__file__).with_name("bench_names.py")
METRICS = ("decision_p50_us", "decision_p99_us", "cold_p50_us", "cold_p99_us", "all_p50_us", "all_p99_us",
           "build_s")


def run(tree: Path, args: argparse.Namespace) -> list[dict[str, float]]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    command = [sys.executable, str(BENCH), "--sizes", ",".join(map(str, args.sizes)), "--queries",
               str(args.queries), "--brute-queries", "1", "--no-tracemalloc", "--seed", str(args.seed), "--json"]
    found = subprocess.run([sys.executable, "-c", "import screening; print(screening.__file__)"], env=env,
                           cwd=BENCH.parent, capture_output=True, text=True, check=True).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"{tree}: python imports screening from {found}, not from this tree")
    print(f"{tree}: running", file=sys.stderr)
    output = subprocess.run(command, env=env, cwd=BENCH.parent, capture_output=True, text=True, check=True,
                            timeout=3600).stdout
    return json.loads(output)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs=2, type=Path, help="the reference source tree, then the one measured")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each tree (default: 3)")
    parser.add_argument("--sizes", type=size_list, default=[10_000, 100_000], help="list sizes (default: 10000,100000)")
    parser.add_argument("--queries", type=int, default=5_000, help="timed queries per size and run (default: 5,000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of names and queries (default: 1)")
    args = parser.parse_args(argv)
    runs: dict[int, list[list[dict[str, float]]]] = {0: [], 1: []}
    for number in range(args.rounds):
        for which in ((0, 1) if number % 2 == 0 else (1, 0)):
            runs[which].append(run(args.trees[which], args))
    print(f"`{' '.join(sys.argv)}`: medians of {args.rounds} runs each, taking turns\n")
    print("| names | figure | " + " | ".join(str(tree) for tree in args.trees) + " | ratio |")
    print("| --: | --- | --: | --: | --: |")
    for position, size in enumerate(args.sizes):
        for metric in METRICS:
            medians = [statistics.median(result[position][metric] for result in runs[which]) for which in (0, 1)]
            print(f"| {size:,} | {metric} | {medians[0]:,.1f} | {medians[1]:,.1f} | {medians[1] / medians[0]:.2f} |")


if __name__ == "__main__":
    main()
