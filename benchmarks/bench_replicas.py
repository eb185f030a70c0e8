"""Replicas on one PostgreSQL: throughput of one replica against two, and how
long a one-entry change takes to reach both.

Builds a national-mix list set (bench_scale.py's generator) in a SQLite file,
copies it into a PostgreSQL schema of its own through the stores' own import
path, and starts real servers (`screening serve`) on it. Then:

- *throughput*: client processes keep `--in-flight` calls outstanding, every
  call a fresh call_id (decided and logged, never a retry), first against one
  replica, then spread over two; decisions/s are what PostgreSQL holds after
  the run, so every one counted was made durable;
- *change*: `--changes` times, a blocklist entry is added through the store
  (as `screening blocklist add` does) and both replicas are asked about that
  number until both deny it; the time from the commit to the second replica's
  first deny, p50/p99/max.

On this 2-core machine the replicas, PostgreSQL and the clients share the
CPU: two replicas cannot double the throughput here; on machines of their
own they scale until PostgreSQL's commits do.

    python benchmarks/bench_replicas.py                         # 100,000 entries
    python benchmarks/bench_replicas.py --postgres postgresql://postgres@db/test --entries 1000000
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import re
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import grpc
import psycopg

from bench_scale import CallMaker, ListSizes, build_database
from bench_server import client, quantile
from reporting import cpu_model, progress, table
from screening.adapters.database import open_store
from screening.adapters.sqlite.store import SqliteStore
from screening.domain.entries import AllowlistEntry, BlockEntry, Change, PrivilegedEntry, WatchEntry
from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc

_LISTENING = re.compile(r"listening on [^ ]+:(\d+)")
POOL = 20_000
WHY = Change("bench", "benchmark")


def copy_lists(source: Path, url: str) -> None:
    """Every list of the SQLite file into PostgreSQL, one import per list."""
    with SqliteStore(source, mode="ro") as sqlite, open_store(url) as postgres:
        for entry_type in (AllowlistEntry, PrivilegedEntry, BlockEntry, WatchEntry):
            rows = ((n, entry, entry.audit.reason or "benchmark") for n, entry in enumerate(sqlite.stream(entry_type), 1))
            postgres.import_entries(entry_type, rows, WHY, lambda line, in_file: None,
                                    lambda added: {"file": "benchmark", "added": added})


def start_replica(url: str, name: str, folder: Path) -> tuple[subprocess.Popen, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")}
    env.update(SCREENING_REPLICA=name, SCREENING_DECISION_SPOOL=str(folder / f"{name}.spool"))
    env.update(SCREENING_ALLOW_UNAUTHENTICATED="true", SCREENING_CLIENT_MAX_CALLS_PER_SECOND="0", SCREENING_CLIENT_MAX_IN_FLIGHT="1000")  # loopback, measured without the per-client caps
    process = subprocess.Popen([sys.executable, "-m", "screening.cli", "serve", "--database", url,
                                "--listen", "127.0.0.1:0", "--metrics-listen", ""],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    while True:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"replica {name} exited before listening")
        if match := _LISTENING.search(line):
            break
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    return process, int(match[1])


def decisions(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM decisions").fetchone()[0]


def throughput(args, url: str, ports: list[int], probes) -> tuple[str, ...]:
    """Clients spread over the replicas' ports; decisions/s as PostgreSQL holds them."""
    before = decisions(url)
    start_at = time.perf_counter() + 0.5
    results = multiprocessing.Queue()
    # Client numbers differ between runs: their call_ids must too, or the second run would be retries.
    workers = [multiprocessing.Process(target=client, args=(1000 * len(ports) + n, ports[n % len(ports)], probes, args,
                                                            args.in_flight,
                                                            start_at, results))
               for n in range(args.clients)]
    for worker in workers:
        worker.start()
    gathered = [results.get(timeout=args.warmup + args.seconds + 60) for _ in workers]
    for worker in workers:
        worker.join()
    latencies = sorted(latency for batch, _ in gathered for latency in batch)
    errors = sum(error for _, error in gathered)
    logged = decisions(url) - before
    return (str(len(ports)), str(args.clients), str(args.in_flight), f"{len(latencies) / args.seconds:,.0f}",
            f"{logged:,}", f"{statistics.median(latencies) * 1000:.2f}", f"{quantile(latencies, 0.99) * 1000:.2f}",
            str(errors))


def change_latencies(url: str, ports: list[int], count: int) -> list[float]:
    """Seconds from a one-entry commit to every replica denying that number."""
    stubs = [screening_pb2_grpc.CallScreeningServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
             for port in ports]
    seen = []
    with open_store(url) as store:
        for n in range(count):
            number = f"+62899{n:07d}"
            request = lambda: pb.ScreenCallRequest(call_id=f"change-{uuid.uuid4().hex}", facility_id="LP-BENCH",
                                                   inmate_id="BENCH-1", dialed_number=number)
            store.add(BlockEntry(number), WHY)
            committed = time.perf_counter()
            for stub in stubs:
                while stub.ScreenCall(request(), timeout=10).decision != pb.DECISION_DENY:
                    time.sleep(0.002)
            seen.append(time.perf_counter() - committed)
            time.sleep(0.05)
    return seen


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="the server to use; the benchmark works in a schema of its own, dropped after")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=2, help="client processes (default: 2)")
    parser.add_argument("--in-flight", type=int, default=32, help="outstanding calls per client (default: 32)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(args.postgres, autocommit=True)
    admin.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in args.postgres else "?"
    url = f"{args.postgres}{separator}options={quote(f'-c search_path={schema}')}"
    replicas = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-replicas-") as folder:
            folder = Path(folder)
            sizes = ListSizes.national_mix(args.entries)
            progress(f"building {args.entries:,} entries, copying them into PostgreSQL schema {schema}")
            build_database(folder / "lists.db", sizes, args.seed)
            copy_lists(folder / "lists.db", url)
            with closing(sqlite3.connect(folder / "lists.db")) as conn:
                probes = [(p.request.facility_id, p.request.inmate_id, p.request.dialed_number)
                          for p in CallMaker(conn, sizes, args.seed).probes(POOL)]
            rows = []
            for name in ("a", "b"):
                progress(f"starting replica {name}")
                replicas.append(start_replica(url, name, folder))
                ports = [port for _, port in replicas]
                progress(f"throughput against {len(ports)} replica(s)")
                rows.append(throughput(args, url, ports, probes))
            progress(f"{args.changes} one-entry changes to both replicas")
            seen = sorted(change_latencies(url, [port for _, port in replicas], args.changes))
    finally:
        for process, _ in replicas:
            process.terminate()
            process.wait(timeout=30)
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
    print(report(args, rows, seen))


def report(args, rows, seen: list[float]) -> str:
    machine = [("Command", f"`{shlex.join(sys.orig_argv)}`"),
               ("CPU", f"{cpu_model()}, {os.cpu_count()} logical CPUs"),
               ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
               ("PostgreSQL", psycopg.connect(args.postgres).info.parameter_status("server_version"))]
    ms = 1000
    return "\n\n".join((
        "## Machine\n\n" + table(("", ""), machine, text_columns=2),
        f"## Throughput on one PostgreSQL ({args.entries:,} entries)\n\n"
        f"Calls answered per second over {args.seconds:g} s after {args.warmup:g} s of warm-up; *logged*: "
        "decisions PostgreSQL holds from the run, warm-up included; latency as the clients see it.\n\n"
        + table(("replicas", "clients", "in flight", "calls/s", "logged", "p50 (ms)", "p99 (ms)", "errors"), rows),
        f"## A one-entry change reaching both replicas ({len(seen)} changes)\n\n"
        + table(("p50 (ms)", "p99 (ms)", "max (ms)"),
                [(f"{statistics.median(seen) * ms:.0f}", f"{quantile(seen, 0.99) * ms:.0f}",
                  f"{seen[-1] * ms:.0f}")]),
    )) + "\n"


if __name__ == "__main__":
    main()
