"""How fast `screening decisions list` answers on a big decision log.

Generates a log of N decisions (default 10,000,000; synthetic_decisions.py
says what they look like), loads it in bulk into the real schema, then times
each filter of `decisions list` through the service functions the CLI calls
(decision_query, then search_decisions, which reads the log a page at a
time): the time to the first decision, and to the last one, or to the first
1,000 for filters that match hundreds of thousands (the rest streams at the
same pace). Each filter runs twice; the figures are the second run (a warm
cache), the first run's whole time beside them.

    python benchmarks/bench_decision_search.py --backend both            # 10M: ~20 min to load, ~14 GiB of disk
    python benchmarks/bench_decision_search.py --decisions 100000 --backend sqlite
    python benchmarks/bench_decision_search.py --keep /var/tmp/bench      # keep the logs, reuse them next run

--keep DIR keeps the SQLite file (DIR/decisions-N.db) and the PostgreSQL
schema (bench_search_N) and reuses them when they are there.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from reporting import machine_rows, progress, table
from synthetic_decisions import FACILITIES, INMATES, Dataset, facility_of, report_entries
from screening.adapters import decision_search
from screening.service.investigations import decision_query, search_decisions
from screening.service.ports import DecisionLog

DEFAULT_URL = os.environ.get("SCREENING_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
DAY = 86400.0


@dataclasses.dataclass(frozen=True)
class Filter:
    name: str  # as typed on the command line
    fields: dict
    limit: int | None = None  # read only this many (an unselective filter)
    entries: tuple[str, ...] = ()  # --source: the report's entries, as the store would give them


def filters(dataset: Dataset) -> list[Filter]:
    from synthetic_decisions import SPAN, START

    numbers = dataset.numbers()
    inmate = 12_345
    facility = facility_of(inmate)
    middle = START + SPAN / 2
    return [
        Filter(f"--number {numbers[1000]}", {"number": numbers[1000]}),
        Filter(f"--number {numbers[100]} (a popular number)", {"number": numbers[100]}),
        Filter(f"--number {numbers[1000][:9]}*", {"number": numbers[1000][:9] + "*"}),
        Filter(f"--inmate {facility}/W-{inmate:05d}", {"inmate": f"{facility}/W-{inmate:05d}"}),
        Filter(f"--facility {facility}", {"facility": facility}),
        Filter(f"--station {facility}/K-03", {"station": f"{facility}/K-03"}),
        Filter("--decision deny", {"decision": "deny"}, limit=1000),
        Filter("--decision review", {"decision": "review"}, limit=1000),
        Filter("--decision allow", {"decision": "allow"}, limit=1000),
        Filter("--reason velocity", {"reason": "velocity"}, limit=1000),
        Filter("--reason blocked_number", {"reason": "blocked_number"}, limit=1000),
        Filter("--entry blocklist:100", {"entry": "blocklist:100"}),
        Filter("--entry blocklist:1 (the most hit)", {"entry": "blocklist:1"}),
        Filter("--source POL-2026-010 (50 entries)", {}, entries=report_entries("POL-2026-010")),
        Filter('--called-name "Siti Nurhaliza"', {"called_name": "Siti Nurhaliza"}),
        Filter("--since T --until T+1h", {"since": middle, "until": middle + 3600}),
        Filter("--since T (the last 30 days)", {"since": START + SPAN - 30 * DAY}, limit=1000),
        Filter(f"--facility {facility} --decision deny --since T (30 days)",
               {"facility": facility, "decision": "deny", "since": START + SPAN - 30 * DAY}),
        Filter(f"--number {numbers[100]} --facility {facility_of(7)} --since T (30 days)",
               {"number": numbers[100], "facility": facility_of(7), "since": START + SPAN - 30 * DAY}),
        Filter("--reason watchlist_match --facility LP-007", {"reason": "watchlist_match", "facility": "LP-007"}),
    ]


def run_filter(log: DecisionLog, chosen: Filter) -> tuple[int, float, float]:
    """(decisions read, seconds to the first, seconds to the last read)."""
    started = time.perf_counter()
    query = decision_query("ID", log=log, **chosen.fields)
    if chosen.entries:
        query = dataclasses.replace(query, entries=chosen.entries)
    first, count = None, 0
    for _ in search_decisions(log, query):
        count += 1
        first = first or time.perf_counter() - started
        if chosen.limit and count >= chosen.limit:
            break
    whole = time.perf_counter() - started
    return count, first or whole, whole


def measure(log: DecisionLog, dataset: Dataset, explain: Callable[[object], str] | None) -> list[list[str]]:
    rows = []
    for chosen in filters(dataset):
        cold = run_filter(log, chosen)
        count, first, whole = run_filter(log, chosen)
        progress(f"{chosen.name}: {count:,} in {whole:.3f} s (first {first:.3f} s; first run {cold[2]:.3f} s)")
        if explain:
            query = decision_query("ID", log=log, **chosen.fields)
            query = dataclasses.replace(query, entries=chosen.entries) if chosen.entries else query
            progress(explain(query))
        shown = f"{count:,}" + (" (first)" if chosen.limit and count == chosen.limit else "")
        rows.append([f"`{chosen.name}`", shown, f"{first * 1000:,.0f}", f"{whole * 1000:,.0f}",
                     f"{cold[2] * 1000:,.0f}", "yes" if whole < 2 and cold[2] < 2 else "**no**"])
    return rows


def _first_page(query, mark: str, narrow=str) -> tuple[str, list]:
    sql, _, params = decision_search.statement(query, mark, narrow)
    return sql, [*params, decision_search.FIRST_PAGE]


def sqlite_log(dataset: Dataset, keep: Path | None):
    from synthetic_decisions import load_sqlite

    from screening.adapters.sqlite.decision_log import SqliteDecisionLog

    folder = keep or Path(tempfile.mkdtemp(prefix="bench-search-"))
    path = folder / f"decisions-{dataset.decisions}.db"
    if not path.exists():
        progress(f"sqlite: generating {dataset.decisions:,} decisions into {path}")
        started = time.perf_counter()
        load_sqlite(path, dataset, progress)
        opened = SqliteDecisionLog(path)  # migration 0003: the side tables' backfill
        progress(f"sqlite: loaded and migrated in {time.perf_counter() - started:,.0f} s")
        opened.close()
    size = sum(file.stat().st_size for file in folder.glob(path.name + "*"))
    return SqliteDecisionLog(path, mode="ro"), f"{size / 2**30:.1f} GiB", (
        (lambda: None) if keep else (lambda: shutil.rmtree(folder)))


def sqlite_explain(path: Path) -> Callable[[object], str]:
    import sqlite3

    from screening.adapters.sqlite.decision_log import narrow

    def explain(query) -> str:
        sql, params = _first_page(query, "?", narrow)
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return "\n".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))

    return explain


def postgres_log(dataset: Dataset, url: str, keep: Path | None):
    import psycopg
    from synthetic_decisions import load_postgres

    from screening.adapters.postgres.decision_log import PostgresDecisionLog

    schema = f"bench_search_{dataset.decisions}"  # made here, not typed: safe as an identifier
    options = quote(f"-c search_path={schema} -c maintenance_work_mem=1GB")
    schema_url = f"{url}{'&' if '?' in url else '?'}options={options}"
    spool = Path(tempfile.mkdtemp(prefix="bench-search-spool-")) / "decisions.spool"  # read-only: never written
    with psycopg.connect(url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
        if exists and not keep:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        if not exists or not keep:
            admin.execute(f'CREATE SCHEMA "{schema}"')
            progress(f"postgres: generating {dataset.decisions:,} decisions into schema {schema}")
            started = time.perf_counter()
            load_postgres(schema_url, dataset, progress)
            PostgresDecisionLog(schema_url, spool_path=spool, answering=False).close()  # migration 0003
            progress(f"postgres: loaded and migrated in {time.perf_counter() - started:,.0f} s")
        size = admin.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                             "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                             (schema,)).fetchone()[0]

    def drop() -> None:
        if not keep:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f'DROP SCHEMA "{schema}" CASCADE')

    log = PostgresDecisionLog(schema_url, spool_path=spool, mode="ro")
    return log, f"{size / 2**30:.1f} GiB", drop, schema_url


def postgres_explain(url: str) -> Callable[[object], str]:
    import psycopg

    def explain(query) -> str:
        sql, params = _first_page(query, "%s")
        with psycopg.connect(url) as conn:
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
        return "\n".join(row[0] for row in plan)

    return explain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=10_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--database", default=DEFAULT_URL, metavar="URL", help="PostgreSQL (a schema is made there)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the logs made, and reuse them")
    parser.add_argument("--explain", action="store_true", help="print each filter's first-page plan to stderr")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    dataset = Dataset(args.decisions)
    report = [f"# Decision search on {args.decisions:,} decisions", "",
              table(("", ""), [*machine_rows(), ("Log", f"{FACILITIES} facilities, {INMATES:,} inmates, "
                                                        f"~1,000,000 numbers (Zipf), 40,000 called names")]), ""]
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        if backend == "sqlite":
            log, size, drop = sqlite_log(dataset, args.keep)
            explain = sqlite_explain(log.path) if args.explain else None
        else:
            log, size, drop, url = postgres_log(dataset, args.database, args.keep)
            explain = postgres_explain(url) if args.explain else None
        try:
            rows = measure(log, dataset, explain)
        finally:
            log.close()
            drop()
        report += [f"## {backend} ({size} with its indexes)", "",
                   table(("Filter", "Decisions", "First (ms)", "All (ms)", "All, first run (ms)", "< 2 s"), rows),
                   ""]
    print("\n".join(report))


if __name__ == "__main__":
    sys.exit(main())
