"""Import benchmark: a 1,000,000-row messy police blocklist through the CLI.

Generates a CSV as police lists come (UTF-8 BOM, semicolons, CRLF; numbers in
national, international and E.164 form; duplicates within the file; comments,
blank lines, a few invalid rows and patterns) in a temporary folder, then runs
`screening blocklist import` on it as a subprocess and measures the wall time
and peak RSS of that process. Then: the same file again (every row already
there), an export of the list, and the import of that export into a new
database. Prints a Markdown report on stdout; progress goes to stderr.

    python benchmarks/bench_import.py                 # 1,000,000 rows
    python benchmarks/bench_import.py --rows 100000   # quick
    python benchmarks/bench_import.py --database postgresql://postgres@127.0.0.1/test
                                    # into PostgreSQL: two new schemas there, dropped after
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from reporting import MIB, progress

# Telkomsel, Indosat, XL, Axis, Tri and Smartfren mobile prefixes (after +62).
MOBILE_PREFIXES = ("811", "812", "813", "821", "822", "823", "851", "852", "853", "814", "815", "816",
                   "855", "856", "857", "858", "817", "818", "819", "859", "877", "878", "831", "832",
                   "833", "838", "895", "896", "897", "898", "899", "881", "882", "883", "887", "888")
SUBSCRIBERS = 10**8  # +62 812 xxxx xxxx
# How a number is written in the file, and the share of rows written so.
FORMS = (
    (0.45, lambda p, s: f"+62{p}{s}"),                   # E.164, as other systems export
    (0.20, lambda p, s: f"0{p}-{s[:4]}-{s[4:]}"),        # national, dashes
    (0.15, lambda p, s: f"+62 {p} {s[:4]} {s[4:]}"),     # international, spaces
    (0.15, lambda p, s: f"0{p}{s}"),                     # national, plain
    (0.05, lambda p, s: f"62{p}{s}"),                    # country code without +
)
DUPLICATE_SHARE = 0.02  # a number already in the file, written another way
INVALID_SHARE = 0.0001
PATTERN_EVERY = 2000  # a range pattern
COMMENT_EVERY = 10_000
BLANK_EVERY = 5_000
CATEGORIES = ("fraud", "fraud", "fraud", "victim", "witness", "official", "narcotics", "other")
HEADER = "pattern;category;action;reason;source;expires_at;scope"


@dataclass(frozen=True)
class Run:
    title: str
    seconds: float
    peak_rss_mib: float
    output: str


def messy_csv(path: Path, rows: int, seed: int) -> dict[str, int]:
    """Write the file; returns what it holds, to check the import against."""
    rng = random.Random(seed)
    numbers = NumberSpace(seed)
    counts = {"rows": 0, "duplicates": 0, "invalid": 0, "patterns": 0}
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER + "\r\n")
        for line in lines(rng, numbers, rows, counts):
            out.write(line + "\r\n")
    return counts


def lines(rng: random.Random, numbers: NumberSpace, rows: int, counts: dict[str, int]) -> Iterator[str]:
    weights = [share for share, _ in FORMS]
    writers = [write for _, write in FORMS]
    fresh = 0
    for i in range(rows):
        if i % COMMENT_EVERY == 0:
            yield f"# Polda batch {i // COMMENT_EVERY}"
        if i % BLANK_EVERY == 0:
            yield ";;;;;;" if i % (2 * BLANK_EVERY) else ""
        counts["rows"] += 1
        if i % PATTERN_EVERY == PATTERN_EVERY - 1:
            counts["patterns"] += 1
            base = f"+62812{i:06d}"
            pattern = f"{base}00..{base}99"
        elif rng.random() < INVALID_SHARE:
            counts["invalid"] += 1
            pattern = f"0812-{rng.randrange(100)}"
        else:
            duplicate = fresh and rng.random() < DUPLICATE_SHARE
            counts["duplicates"] += bool(duplicate)
            prefix, subscriber = numbers.parts(rng.randrange(fresh) if duplicate else fresh)
            fresh += not duplicate
            pattern = rng.choices(writers, weights)[0](prefix, subscriber)
        category = rng.choice(CATEGORIES)
        action = "review" if rng.random() < 0.1 else "deny"
        expires = "2027-12-31" if rng.random() < 0.05 else ""
        scope = f"facility:UPT{rng.randrange(526):03d}" if rng.random() < 0.02 else ""
        yield f"{pattern};{category};{action};LP/B/{i}/XI/2026/SPKT;Polda Metro Jaya;{expires};{scope}"


class NumberSpace:
    """Distinct valid Indonesian mobile numbers, one per index: an affine
    permutation of prefix x subscriber spreads them over the whole space."""

    def __init__(self, seed: int):
        rng = random.Random(seed)
        self._size = len(MOBILE_PREFIXES) * SUBSCRIBERS
        self._step = rng.randrange(self._size // 3, self._size) | 1
        while self._step % 3 == 0 or self._step % 5 == 0:
            self._step += 2
        self._offset = rng.randrange(self._size)

    def parts(self, index: int) -> tuple[str, str]:
        prefix, subscriber = divmod((self._step * index + self._offset) % self._size, SUBSCRIBERS)
        return MOBILE_PREFIXES[prefix], f"{subscriber:08d}"


def run(title: str, args: list[str], database: str) -> Run:
    """The CLI as a subprocess: wall time, and peak RSS from wait4's rusage."""
    command = [sys.executable, "-m", "screening.cli", *args, "--database", database]
    progress(f"{title}: {shlex.join(command)}")
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: Popen must not wait
    if process.returncode != 0:
        raise SystemExit(f"{title} exited {process.returncode}:\n{output}")
    return Run(title, seconds, usage.ru_maxrss * 1024 / MIB, output)


@dataclass(frozen=True)
class Databases:
    """Where the runs go: two new databases, and how to count a blocklist."""

    first: str
    second: str
    count: Callable[[str], int]
    described: str  # the backend, for the report


@contextlib.contextmanager
def sqlite_databases(folder: Path) -> Iterator[Databases]:
    def count(database: str) -> int:
        with closing(sqlite3.connect(database)) as conn:
            return conn.execute("SELECT count(*) FROM blocklist").fetchone()[0]

    yield Databases(str(folder / "first.db"), str(folder / "second.db"), count, f"SQLite {sqlite3.sqlite_version}")


@contextlib.contextmanager
def postgres_databases(url: str) -> Iterator[Databases]:
    """Two new schemas in the database at url, each a URL whose sessions use it; dropped after."""
    import psycopg
    from psycopg import sql

    def count(database: str) -> int:
        with psycopg.connect(database) as conn:
            return conn.execute("SELECT count(*) FROM blocklist").fetchone()[0]

    schemas = [f"bench_import_{uuid.uuid4().hex[:8]}_{n}" for n in ("first", "second")]
    with psycopg.connect(url, autocommit=True) as admin:
        version = admin.execute("SHOW server_version").fetchone()[0]
        for schema in schemas:
            admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            separator = "&" if "?" in url else "?"
            first, second = (f"{url}{separator}options={quote(f'-c search_path={s}')}" for s in schemas)
            yield Databases(first, second, count, f"PostgreSQL {version} (psycopg {psycopg.__version__})")
        finally:
            for schema in schemas:
                admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def report(args: argparse.Namespace, held: dict[str, int], file_mib: float, runs: list[Run], backend: str) -> str:
    rows = [
        "| | wall time | peak RSS |",
        "|---|---|---|",
        *(f"| {r.title} | {r.seconds:.1f} s | {r.peak_rss_mib:.0f} MiB |" for r in runs),
    ]
    return "\n".join([
        f"`python benchmarks/bench_import.py --rows {args.rows}{' --database URL' if args.database else ''}` "
        f"on {os.cpu_count()} cores, Python {platform.python_version()}, {backend}.",
        "",
        f"The file: {held['rows']:,} rows ({file_mib:.0f} MiB): {held['duplicates']:,} duplicates within the file, "
        f"{held['invalid']:,} invalid, {held['patterns']:,} range patterns; E.164, national and international "
        "forms mixed; BOM, semicolons, CRLF, comments and blank lines.",
        "",
        *rows,
        "",
        "Summary of the first import:",
        "",
        "```",
        runs[0].output.rstrip(),
        "```",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", help="a PostgreSQL URL to import into (two new schemas there, dropped "
                                           "after); default: SQLite files in the temporary folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_import_") as folder:
        folder = Path(folder)
        source, exported = folder / "police.csv", folder / "export.csv"
        progress(f"writing {args.rows:,} rows to {source}")
        held = messy_csv(source, args.rows, args.seed)
        with postgres_databases(args.database) if args.database else sqlite_databases(folder) as databases:
            print(report(args, held, source.stat().st_size / MIB, runs_on(databases, source, exported),
                         databases.described))


def runs_on(databases: Databases, source: Path, exported: Path) -> list[Run]:
    """The four runs, and the check that the export's import holds as many entries."""
    first, second = databases.first, databases.second
    reason = ["--reason", "Polda Metro Jaya list 2026-11", "--skip-invalid"]
    for database in (first, second):  # changes refuse a database that is not there
        run("init", ["init"], database)
    runs = [
        run("import into an empty store", ["blocklist", "import", str(source), *reason], first),
        run("the same file again (every row already there)", ["blocklist", "import", str(source), *reason],
            first),
        run("export to CSV", ["blocklist", "export", "--output", str(exported)], first),
        run("import of that export into a new store (E.164 form)", ["blocklist", "import", str(exported)],
            second),
    ]
    if databases.count(first) != databases.count(second):
        raise SystemExit(f"the export's import holds {databases.count(second)} entries, "
                         f"the store {databases.count(first)}")
    return runs


if __name__ == "__main__":
    main()
