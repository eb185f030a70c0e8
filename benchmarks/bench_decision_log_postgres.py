"""What a decision costs on PostgreSQL, with group commit and without.

Appends decisions to PostgresDecisionLog (the real schema, synchronous_commit
on, the local server) from T threads at once, each appending its share one
after the other as the gRPC threads would, and reports decisions per second,
wall-clock microseconds per decision, the caller's wait (append latency,
p50/p99) and how many transactions the decisions took:

- without group commit: one thread (a batch can only hold one decision), and
  16 threads with max_batch=1 (every decision its own transaction);
- with group commit: 8, 16 and 32 threads, max_batch 500;
- the screener's path, find (one indexed SELECT) before append, with and
  without that SELECT;
- SQLite's decision log on a local file, for scale;
- the tail of the other replicas' calls (attempts_by_others) when nothing is
  new, with the decisions above in the table.

Each run uses a schema of its own, dropped at the end. Prints a Markdown
report on stdout; progress goes to stderr.

    python benchmarks/bench_decision_log_postgres.py                      # 4,000 decisions a row, ~1 min
    python benchmarks/bench_decision_log_postgres.py --decisions 20000 --url postgresql://user@host/db
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from reporting import machine_rows, progress, table
from screening.adapters.postgres.decision_log import PostgresDecisionLog
from screening.adapters.sqlite.decision_log import SqliteDecisionLog
from screening.domain.model import Decision, Finding, NumberType, Reason, ScreenRequest, Screening
from screening.domain.numbers import normalize
from screening.service.call_prints import call_print
from screening.service.ports import DecisionLog

DEFAULT_URL = os.environ.get("SCREENING_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Scenario:
    name: str
    threads: int
    max_batch: int = 500
    find_first: bool = False
    backend: str = "postgres"


SCENARIOS = (
    Scenario("no group commit: 1 thread", 1),
    Scenario("no group commit: 16 threads, max_batch 1", 16, max_batch=1),
    Scenario("group commit: 8 threads", 8),
    Scenario("group commit: 16 threads", 16),
    Scenario("group commit: 32 threads", 32),
    Scenario("screener's path, find + append: 1 thread", 1, find_first=True),
    Scenario("screener's path, find + append: 16 threads", 16, find_first=True),
    Scenario("SQLite file, 1 thread", 1, backend="sqlite"),
    Scenario("SQLite file, 16 threads", 16, backend="sqlite"),
)


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    decisions: int
    seconds: float
    waits_ns: list[int]
    transactions: int | None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="a PostgreSQL server to measure on (default: %(default)s)")
    parser.add_argument("--decisions", type=int, default=4000, help="decisions a scenario (default: %(default)s)")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(args.url, autocommit=True) as admin, tempfile.TemporaryDirectory() as folder:
        admin.execute(f'CREATE SCHEMA "{schema}"')  # a name made here: identifiers take no parameters
        try:
            url = f"{args.url}{'&' if '?' in args.url else '?'}options={quote(f'-c search_path={schema}')}"
            results = [measure(scenario, url, Path(folder), args.decisions, n) for n, scenario in
                       enumerate(SCENARIOS)]
            polls = measure_tail(url, Path(folder))
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        server = admin.execute("SHOW server_version").fetchone()[0]
        settings = dict(admin.execute("SELECT name, setting FROM pg_settings WHERE name IN "
                                      "('synchronous_commit', 'fsync', 'wal_sync_method')").fetchall())
    print(report(results, polls, server, settings))


def open_log(scenario: Scenario, url: str, folder: Path, n: int) -> DecisionLog:
    if scenario.backend == "sqlite":
        return SqliteDecisionLog(folder / f"decisions-{n}.db")
    return PostgresDecisionLog(url, spool_path=folder / f"spool-{n}" / "decisions.spool", replica=f"bench-{n}",
                               max_batch=scenario.max_batch)


def measure(scenario: Scenario, url: str, folder: Path, decisions: int, n: int) -> Result:
    progress(f"{scenario.name}: {decisions:,} decisions")
    log = open_log(scenario, url, folder, n)
    try:
        per_thread = decisions // scenario.threads
        waits: list[list[int]] = [[] for _ in range(scenario.threads)]
        start = threading.Barrier(scenario.threads + 1)
        threads = [threading.Thread(target=append_many, args=(log, scenario, f"{n}-{t}", per_thread, start, waits[t]))
                   for t in range(scenario.threads)]
        for thread in threads:
            thread.start()
        commits = getattr(log, "commits", None)
        start.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        transactions = None if commits is None else log.commits - commits
    finally:
        log.close()
    return Result(scenario, per_thread * scenario.threads, seconds, [w for ws in waits for w in ws], transactions)


def append_many(log: DecisionLog, scenario: Scenario, prefix: str, count: int, start: threading.Barrier,
                waits: list[int]) -> None:
    calls = [(ScreenRequest(f"call-{prefix}-{i}", "LP-CIPINANG", f"A-{i % 997}", "0812-3456-7890", "K-7",
                            "Ibu Siti"), screening(f"call-{prefix}-{i}")) for i in range(count)]
    key, number = log.call_key(), normalize("0812-3456-7890", "ID")
    calls = [(request, answer, call_print(key, request, number)) for request, answer in calls]
    clock = time.perf_counter_ns
    start.wait()
    for request, answer, call in calls:
        began = clock()
        if scenario.find_first and log.find(request.facility_id, request.call_id) is not None:
            raise AssertionError("a new call was found logged")
        log.append(request, answer, call)
        waits.append(clock() - began)


def screening(call_id: str) -> Screening:
    return Screening(call_id, Decision.ALLOW,
                     (Finding(Reason.ALLOWLISTED, "+6281234567890 is on the approved list of inmate A-1 (mother)",
                              Decision.ALLOW, "allowlist:1"),),
                     "+6281234567890", NumberType.MOBILE, "ID", True, 900, 42, time.time())


def measure_tail(url: str, folder: Path, polls: int = 500) -> list[int]:
    progress(f"the tail: {polls} polls with nothing new")
    with PostgresDecisionLog(url, spool_path=folder / "spool-tail" / "decisions.spool", replica="tail") as log:
        for _ in log.attempts_since(time.time() - 3600):
            pass
        log.attempts_by_others()  # what was just logged by the scenarios: read once, then nothing new
        clock, waits = time.perf_counter_ns, []
        for _ in range(polls):
            began = clock()
            log.attempts_by_others()
            waits.append(clock() - began)
    return waits


def report(results: list[Result], polls: list[int], server: str, settings: dict[str, str]) -> str:
    rows = []
    for result in results:
        waits = sorted(result.waits_ns)
        per_second = result.decisions / result.seconds
        transactions = "-" if result.transactions is None else f"{result.transactions:,}"
        per_transaction = "-" if not result.transactions else f"{result.decisions / result.transactions:.1f}"
        rows.append((result.scenario.name, f"{result.decisions:,}", f"{per_second:,.0f}",
                     f"{1e6 / per_second:,.0f}", f"{waits[len(waits) // 2] / 1000:,.0f}",
                     f"{waits[len(waits) * 99 // 100] / 1000:,.0f}", transactions, per_transaction))
    machine = machine_rows() + [("PostgreSQL", f"{server} on the same machine, " +
                                 ", ".join(f"{k}={v}" for k, v in sorted(settings.items())))]
    return "\n\n".join([
        "## The decision log on PostgreSQL",
        table(("Machine", ""), machine),
        table(("scenario", "decisions", "decisions/s", "µs per decision", "append p50 µs", "append p99 µs",
               "transactions", "decisions per transaction"), rows),
        f"The tail of the other replicas (attempts_by_others) with nothing new: median "
        f"{statistics.median(polls) / 1000:,.0f} µs a poll, p99 {sorted(polls)[len(polls) * 99 // 100] / 1000:,.0f} µs "
        f"({len(polls)} polls).",
    ])


if __name__ == "__main__":
    sys.exit(main())
