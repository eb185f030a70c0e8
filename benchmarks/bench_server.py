"""Server benchmark: calls a second one replica answers over gRPC, decision
log included, and the latency its clients see.

Builds a national-mix database (bench_scale.py's generator), starts the
real server (`screening serve`) in a subprocess, and drives it from client
processes, each keeping `--in-flight` ScreenCall requests outstanding on
one channel, every request with a fresh call_id (so each is decided and
logged, never a retry). The request mix is bench_scale.py's. After a
warm-up, it counts answered calls for `--seconds`, and reports throughput,
client-side latency (perf_counter_ns around each call, so queueing in the
client and the server is included), the server's CPU seconds per call
(from /proc) and what its own histogram says. The clients share the
machine with the server: on 2 cores, their CPU is part of the picture.

    python benchmarks/bench_server.py                  # 100,000 entries; 1, 8, 32 calls in flight
    python benchmarks/bench_server.py --clients 2 --in-flight 64 --seconds 30
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
import urllib.request
from contextlib import closing
from pathlib import Path

import grpc

from bench_scale import CallMaker, ListSizes, build_database
from reporting import cpu_model, progress, table
from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc

_LISTENING = re.compile(r"listening on [^ ]+:(\d+)")
_METRICS = re.compile(r"metrics on http://[^ ]+:(\d+)/metrics")
POOL = 20_000  # distinct (inmate, number) requests the clients cycle through


def start_server(database: Path) -> tuple[subprocess.Popen, int, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")}
    # Loopback, and measured without the per-client caps.
    env.update(SCREENING_ALLOW_UNAUTHENTICATED="true", SCREENING_CLIENT_MAX_CALLS_PER_SECOND="0", SCREENING_CLIENT_MAX_IN_FLIGHT="1000")
    process = subprocess.Popen([sys.executable, "-m", "screening.cli", "serve", "--database", str(database),
                                "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    port = metrics_port = 0
    while not port:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the server exited before listening")
        if match := _METRICS.search(line):
            metrics_port = int(match[1])
        if match := _LISTENING.search(line):
            port = int(match[1])
    # Keep reading its output, or a full pipe would block it.
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    return process, port, metrics_port


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client(number: int, port: int, probes: list[tuple[str, str, str]], args: argparse.Namespace,
           in_flight: int, start_at: float, results) -> None:
    """Keep `in_flight` calls outstanding; report the latencies of those answered in the measured window."""
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = screening_pb2_grpc.CallScreeningServiceStub(channel)
    measure_from, stop_at = start_at + args.warmup, start_at + args.warmup + args.seconds
    latencies, errors, lock, done = [], [0], threading.Lock(), threading.Event()
    slots = threading.Semaphore(in_flight)
    clock = time.perf_counter

    def finished(future, started):
        ended = clock()
        with lock:
            if future.exception() is not None:
                errors[0] += 1
            elif measure_from <= ended < stop_at:
                latencies.append(ended - started)
        slots.release()

    sent = 0
    while clock() < stop_at:
        slots.acquire()
        facility, inmate, dialed = probes[sent % len(probes)]
        request = pb.ScreenCallRequest(call_id=f"bench-{in_flight}-{number}-{sent}", facility_id=facility,
                                       inmate_id=inmate,
                                       dialed_number=dialed, station_id="bench")
        started = clock()
        future = stub.ScreenCall.future(request, timeout=10)
        future.add_done_callback(lambda f, s=started: finished(f, s))
        sent += 1
    for _ in range(in_flight):
        slots.acquire()
    done.set()
    channel.close()
    results.put((latencies, errors[0]))


def histogram_totals(metrics_port: int) -> tuple[float, float]:
    """(seconds, calls) of the server's screening_screen_duration_seconds so far."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return tuple(float(re.search(rf"^screening_screen_duration_seconds_{part} (\S+)$", text, re.M)[1])
                 for part in ("sum", "count"))


def quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000, help="list entries (default: 100,000)")
    parser.add_argument("--clients", type=int, default=1, help="client processes (default: 1)")
    parser.add_argument("--in-flight", type=lambda text: [int(n) for n in text.split(",")], default=[1, 8, 32],
                        help="outstanding calls per client, a run for each (default: 1,8,32)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time (default: 20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured time first (default: 3)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-server-") as folder:
        database = Path(folder) / "screening.db"
        sizes = ListSizes.national_mix(args.entries)
        progress(f"building a {args.entries:,}-entry database")
        build_database(database, sizes, args.seed)
        with closing(sqlite3.connect(database)) as conn:
            probes = [(p.request.facility_id, p.request.inmate_id, p.request.dialed_number)
                      for p in CallMaker(conn, sizes, args.seed).probes(POOL)]
        progress("starting the server")
        server, port, metrics_port = start_server(database)
        try:
            rows = [run(args, in_flight, port, metrics_port, server.pid, probes, database)
                    for in_flight in args.in_flight]
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(report(args, rows))


def run(args, in_flight: int, port: int, metrics_port: int, pid: int, probes, database: Path) -> tuple[str, ...]:
    """One load level against the running server: its row of the report."""
    cpu_before, logged_before = cpu_seconds(pid), decisions_logged(database)
    seconds_before, count_before = histogram_totals(metrics_port)
    start_at = time.perf_counter() + 0.5
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=client, args=(n, port, probes, args, in_flight, start_at, results))
               for n in range(args.clients)]
    progress(f"{args.clients} client process(es), {in_flight} calls in flight each, "
             f"{args.warmup:g} s warm-up, {args.seconds:g} s measured")
    for worker in workers:
        worker.start()
    gathered = [results.get(timeout=args.warmup + args.seconds + 60) for _ in workers]
    for worker in workers:
        worker.join()
    answered = decisions_logged(database) - logged_before  # all sent, warm-up included: each decided and logged
    cpu_per_call = (cpu_seconds(pid) - cpu_before) / max(1, answered)
    seconds_after, count_after = histogram_totals(metrics_port)
    decision = (seconds_after - seconds_before) / max(1, count_after - count_before)
    latencies = sorted(latency for batch, _ in gathered for latency in batch)
    errors = sum(error for _, error in gathered)
    ms = 1000
    return (f"{args.entries:,}", str(args.clients), str(in_flight), f"{len(latencies) / args.seconds:,.0f}",
            f"{statistics.median(latencies) * ms:.2f}" if latencies else "-",
            f"{quantile(latencies, 0.99) * ms:.2f}" if latencies else "-",
            f"{quantile(latencies, 0.999) * ms:.2f}" if latencies else "-", str(errors),
            f"{cpu_per_call * 1e6:,.0f}", f"{decision * 1e6:,.0f}")


def decisions_logged(database: Path) -> int:
    log = database.with_name(f"{database.stem}-decisions.db")
    with closing(sqlite3.connect(log)) as conn:
        return conn.execute("SELECT count(*) FROM decisions").fetchone()[0]


def report(args, rows: list[tuple[str, ...]]) -> str:
    machine = [
        ("Command", f"`{shlex.join(sys.orig_argv)}`"),
        ("CPU", f"{cpu_model()}, {os.cpu_count()} logical CPUs"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("grpcio", grpc.__version__),
    ]
    return "\n\n".join((
        "## Machine\n\n" + table(("", ""), machine, text_columns=2),
        "## One replica over gRPC\n\n"
        f"Calls answered per second during {args.seconds:g} s (after {args.warmup:g} s of warm-up); latency "
        "as the clients see it (ms); *server CPU*: the server process's user+system CPU per call answered "
        "(µs), gRPC, decision log and all; *decision*: the mean of the server's own "
        "`screening_screen_duration_seconds` (µs): engine, decision log, and the wait for the screener's "
        "lock.\n\n"
        + table(("entries", "clients", "in flight", "calls/s", "p50 (ms)", "p99 (ms)", "p99.9 (ms)", "errors",
                 "server CPU/call (µs)", "decision (µs)"), rows),
    )) + "\n"


if __name__ == "__main__":
    main()
