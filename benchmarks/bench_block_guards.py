"""Blocklist guards benchmark: what a `blocklist add PATTERN` and an
`allowlist add` cost on large lists, now that they read the other lists for
the numbers a pattern covers (service/block_guards.py).

Fills a new SQLite database through the CLI (`allowlist import` of N approved
numbers, `blocklist import --force` of M patterns), then times, as
subprocesses (Python start-up included, as staff see it), a plain `blocklist
add` of a number, a `blocklist add` of a pattern (the coverage pass over the
approved and privileged lists), and an `allowlist add` (the pass over the
blocked patterns). Prints a Markdown report on stdout.

    python benchmarks/bench_block_guards.py                            # 1,000,000 approved, 100,000 patterns
    python benchmarks/bench_block_guards.py --approved 100000 --patterns 10000   # quick
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reporting import machine_rows, progress, table


def screening(database: Path, *args: str, stdin: str | None = None) -> float:
    """Run `screening ARGS`; its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "screening.cli", *args, "--database", str(database)], check=True,
                   capture_output=True, text=True, input=stdin)
    return time.perf_counter() - started


def fill(database: Path, approved: int, patterns: int, rng: random.Random) -> None:
    rows = "\n".join(f"A-{i % 200_000},+62813{rng.randrange(10**8):08d},Keluarga {i},,"
                     for i in range(approved))
    screening(database, "allowlist", "import", "-", "--reason", "bench",
              stdin="inmate_id,number,name,relationship,facility_id\n" + rows + "\n")
    lines = "\n".join(f"+62814{rng.randrange(10**6):06d}*" if i % 2 else f"+62815{rng.randrange(10**6):06d}??"
                      for i in range(patterns))
    screening(database, "blocklist", "import", "-", "--format", "text", "--reason", "bench", "--force",
              stdin=lines + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--approved", type=int, default=1_000_000)
    parser.add_argument("--patterns", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        screening(database, "init")
        progress(f"filling: {args.approved:,} approved numbers, {args.patterns:,} patterns")
        fill(database, args.approved, args.patterns, random.Random(7))
        runs = [
            ("`blocklist add` of a number (no pass)", screening(database, "blocklist", "add", "0811-1111-1111",
                                                                 "--reason", "r")),
            ("`blocklist add +62813123*` (pass over the approved and privileged lists)",
             screening(database, "blocklist", "add", "+62813123*", "--reason", "r")),
            ("`allowlist add` (pass over the blocked patterns)",
             screening(database, "allowlist", "add", "A-1", "0816-1234-5678", "--name", "Ibu", "--reason", "r")),
        ]
    print(f"## Blocklist guards: {args.approved:,} approved numbers, {args.patterns:,} blocked patterns (SQLite)\n")
    print(table(["command", "wall s"], [(name, f"{seconds:.2f}") for name, seconds in runs]))
    print()
    print(table(["machine", ""], machine_rows()))


if __name__ == "__main__":
    main()
