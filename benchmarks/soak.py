"""Soak: the real server under a steady mixed load for a long while, with
list changes and imports running meanwhile.

Starts `screening serve` in a subprocess (SQLite files by default,
`--backend postgres` for a schema of its own on a PostgreSQL server), seeds
the lists through the CLI, then holds `--rate` ScreenCalls a second from
`--threads` client threads for `--minutes`: approved numbers, privileged
numbers, blocked numbers, numbers inside a blocked pattern, unknown numbers,
calls naming a watched person, and retries (the same call_id and the same
call again). Every `--change-every` seconds the CLI makes a list change
(blocklist add, blocklist remove, allowlist add, in turn) and every
`--import-every` seconds an import of `--import-rows` rows (blocklist text
and allowlist CSV in turn). It reports errors by status code, latency
percentiles per minute and overall, the server's resident memory over time
(VmRSS) and its growth, and checks that every decision answered is in the
decision log at the end.

    python benchmarks/soak.py --minutes 10
    python benchmarks/soak.py --minutes 0.2 --rate 50        # a quick look
    python benchmarks/soak.py --minutes 10 --backend postgres
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import closing
from pathlib import Path

import grpc

from reporting import machine_rows, progress, table
from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
FACILITY = "LP-SOAK"
INMATES = 500
WATCHED = ["Siti Aminah", "Budi Santoso", "Dewi Lestari", "Agus Salim", "Rina Wulandari"]
MIX = (("allowlisted", 40), ("privileged", 8), ("blocked number", 10), ("blocked pattern", 7),
       ("unknown", 15), ("watchlist name", 10), ("retry", 10))


def number(prefix: str, index: int) -> str:
    """A valid Indonesian mobile number, distinct per (prefix, index)."""
    return f"+62{prefix}{index:08d}"


class Target:
    """Where the lists live: a SQLite file or a PostgreSQL schema, and the CLI against it."""

    def __init__(self, backend: str, folder: Path, url: str):
        self.backend, self.folder = backend, folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")}
        # Loopback, without the per-client caps (the soak measures the server, not them).
        self.env.update(SCREENING_ALLOW_UNAUTHENTICATED="true", SCREENING_CLIENT_MAX_CALLS_PER_SECOND="0",
                        SCREENING_CLIENT_MAX_IN_FLIGHT="1000")
        if backend == "sqlite":
            self.database = str(folder / "screening.db")
        else:
            import psycopg

            self.schema = f"soak_{uuid.uuid4().hex[:12]}"
            self.admin = psycopg.connect(url, autocommit=True)
            self.admin.execute(f"CREATE SCHEMA {self.schema}")
            self.database = f"{url}?options=-c%20search_path%3D{self.schema}"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "screening.cli", *args, "--database", self.database],
                              capture_output=True, text=True, env=self.env, timeout=300)

    def logged_call_ids(self) -> set[str]:
        query = "SELECT call_id FROM decisions WHERE facility_id = 'LP-SOAK'"
        if self.backend == "sqlite":
            import sqlite3

            with closing(sqlite3.connect(self.folder / "screening-decisions.db")) as conn:
                return {row[0] for row in conn.execute(query)}
        self.admin.execute(f"SET search_path = {self.schema}")
        return {row[0] for row in self.admin.execute(query).fetchall()}

    def drop(self) -> None:
        if self.backend == "postgres":
            self.admin.execute(f"DROP SCHEMA {self.schema} CASCADE")
            self.admin.close()


def seed(target: Target, folder: Path) -> None:
    """The lists the load screens against, made through the CLI's imports."""
    def run(*args):
        result = target.cli(*args)
        if result.returncode:
            raise SystemExit(f"screening {' '.join(args)} failed:\n{result.stderr}")

    run("init")
    rows = ["inmate_id,number,name,relationship,facility_id,reason"]
    rows += [f"S-{i},{number('812', i)},Keluarga {i},mother,,seed" for i in range(INMATES)]
    (folder / "allow.csv").write_text("\n".join(rows) + "\n")
    run("allowlist", "import", str(folder / "allow.csv"), "--reason", "soak seed")
    (folder / "privileged.csv").write_text("number,name,kind,reason\n" + "".join(
        f"{number('813', i)},Advokat {i},attorney,seed\n" for i in range(50)))
    run("privileged", "import", str(folder / "privileged.csv"), "--reason", "soak seed")
    (folder / "block.txt").write_text("".join(f"{number('811', i)}\n" for i in range(200)) + "+62819555*\n")
    run("blocklist", "import", str(folder / "block.txt"), "--reason", "soak seed", "--format", "text")
    (folder / "watch.csv").write_text("name,aliases,category,action,reason,scope\n" + "".join(
        f"{name},,victim,review,seed,\n" for name in WATCHED))
    run("watchlist", "import", str(folder / "watch.csv"), "--reason", "soak seed")


def start_server(target: Target) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, "-m", "screening.cli", "serve", "--database", target.database,
                                "--listen", "127.0.0.1:0", "--metrics-listen", ""],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=target.env)
    for line in process.stdout:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("event") == "started":
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process, event["port"]
    raise SystemExit("the server exited before listening")


class Load:
    """Client threads at a steady rate; what each call answered and how long it took."""

    def __init__(self, port: int, args: argparse.Namespace):
        self.port, self.args = port, args
        self.started = time.monotonic()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.latencies: dict[int, list[float]] = defaultdict(list)  # minute -> seconds
        self.statuses: Counter = Counter()
        self.kinds: Counter = Counter()
        self.answered: set[str] = set()
        self.retry_mismatches = 0

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(self.args.threads)]
        for thread in threads:
            thread.start()
        return threads

    def client(self, n: int) -> None:
        rng = random.Random(self.args.seed * 1000 + n)
        channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        stub = screening_pb2_grpc.CallScreeningServiceStub(channel)
        interval = self.args.threads / self.args.rate
        kinds, weights = zip(*MIX)
        sent, recent = 0, []  # recent: (request, answer) to retry
        next_at = time.monotonic() + rng.random() * interval
        while not self.stop.is_set():
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += interval
            kind = rng.choices(kinds, weights)[0]
            if kind == "retry" and recent:
                request, first = rng.choice(recent)
            else:
                kind = kind if kind != "retry" else "allowlisted"
                request, first = self.request(rng, kind, f"soak-{n}-{sent}"), None
            sent += 1
            began = time.perf_counter()
            try:
                answer = stub.ScreenCall(request, timeout=10)
                code = "OK"
            except grpc.RpcError as error:
                answer, code = None, error.code().name
            elapsed = time.perf_counter() - began
            with self.lock:
                # The last calls, answered after the end, belong to the last minute.
                minute = min(int((time.monotonic() - self.started) // 60), max(0, -int(-self.args.minutes // 1) - 1))
                self.latencies[minute].append(elapsed)
                self.statuses[code] += 1
                self.kinds[kind] += 1
                if answer is not None:
                    self.answered.add(request.call_id)
                    if first is not None and (answer.decision, answer.call_id) != (first.decision, first.call_id):
                        self.retry_mismatches += 1
            if answer is not None and first is None:
                recent = (recent + [(request, answer)])[-50:]
        channel.close()

    def request(self, rng: random.Random, kind: str, call_id: str) -> pb.ScreenCallRequest:
        inmate = rng.randrange(INMATES)
        dialed, name = {
            "allowlisted": (number("812", inmate), ""),
            "privileged": (number("813", rng.randrange(50)), ""),
            "blocked number": (number("811", rng.randrange(200)), ""),
            "blocked pattern": (f"+62819555{rng.randrange(100000):05d}", ""),
            "unknown": (number("857", rng.randrange(10**8)), ""),
            "watchlist name": (number("812", inmate), rng.choice(WATCHED)),
        }[kind]
        return pb.ScreenCallRequest(call_id=call_id, facility_id=FACILITY, inmate_id=f"S-{inmate}",
                                    dialed_number=dialed, station_id=f"kiosk-{rng.randrange(20)}",
                                    called_party_name=name)


def changes(target: Target, folder: Path, args: argparse.Namespace, stop: threading.Event, done: Counter,
            failures: list[str]) -> None:
    """The CLI's changes and imports, while the load runs."""
    step, last_import, n, blocked = 0, time.monotonic(), 0, []
    while not stop.wait(args.change_every):
        step += 1
        tag = f"{step:06d}"
        if time.monotonic() - last_import >= args.import_every:
            last_import = time.monotonic()
            n += 1
            if n % 2:
                path = folder / "import.txt"
                path.write_text("".join(f"+62821{n:03d}{i:05d}\n" for i in range(args.import_rows)))
                job = ("blocklist import", ("blocklist", "import", str(path), "--reason", f"soak import {n}",
                                            "--format", "text"))
            else:
                path = folder / "import.csv"
                path.write_text("inmate_id,number,name,relationship,facility_id,reason\n" + "".join(
                    f"I-{n}-{i},+62822{n:03d}{i:05d},Keluarga {i},mother,,import\n"
                    for i in range(args.import_rows)))
                job = ("allowlist import", ("allowlist", "import", str(path), "--reason", f"soak import {n}"))
        elif step % 3 == 0 and blocked:
            job = ("blocklist remove", ("blocklist", "remove", blocked.pop(), "--reason", "soak change"))
        elif step % 3 == 1:
            blocked.append(f"+62831{tag}00")
            job = ("blocklist add", ("blocklist", "add", blocked[-1], "--reason", "soak change"))
        else:
            job = ("allowlist add", ("allowlist", "add", f"S-{step % INMATES}", f"+62832{tag}00",
                                     "--name", f"Kerabat {step}", "--reason", "soak change"))
        result = target.cli(*job[1])
        if result.returncode:
            failures.append(f"{job[0]}: {result.stderr.strip()[:200]}")
        done[job[0]] += 1


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def quantiles(values: list[float]) -> list[str]:
    ordered = sorted(values)
    if not ordered:
        return ["-"] * 5
    pick = [ordered[min(len(ordered) - 1, int(len(ordered) * q))] for q in (0.5, 0.9, 0.99, 0.999)]
    return [f"{v * 1000:.1f}" for v in (*pick, ordered[-1])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="time under load (default: 10)")
    parser.add_argument("--rate", type=float, default=200.0, help="ScreenCalls a second, all threads (default: 200)")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default: 8)")
    parser.add_argument("--change-every", type=float, default=3.0, help="seconds between CLI changes (default: 3)")
    parser.add_argument("--import-every", type=float, default=30.0, help="seconds between imports (default: 30)")
    parser.add_argument("--import-rows", type=int, default=3000, help="rows an import holds (default: 3000)")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default=POSTGRES, help=f"PostgreSQL for --backend postgres (default: {POSTGRES})")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="soak-") as name:
        folder = Path(name)
        target = Target(args.backend, folder, args.url)
        try:
            return soak(target, folder, args)
        finally:
            target.drop()


def soak(target: Target, folder: Path, args: argparse.Namespace) -> int:
    progress(f"seeding the lists ({args.backend})")
    seed(target, folder)
    server, port = start_server(target)
    progress(f"server {server.pid} on port {port}: {args.rate:g} calls/s from {args.threads} threads "
             f"for {args.minutes:g} min")
    load, stop, done, failures = Load(port, args), threading.Event(), Counter(), []
    rss = [(0.0, rss_kib(server.pid))]
    workers = load.run()
    changer = threading.Thread(target=changes, args=(target, folder, args, stop, done, failures), daemon=True)
    changer.start()
    end = load.started + args.minutes * 60
    while (now := time.monotonic()) < end:
        time.sleep(min(5.0, end - now))
        rss.append((time.monotonic() - load.started, rss_kib(server.pid)))
        if server.poll() is not None:
            progress(f"the server exited with {server.returncode}")
            break
        if len(rss) % 12 == 0:
            progress(f"{rss[-1][0] / 60:.1f} min: {sum(load.statuses.values()):,} calls, "
                     f"RSS {rss[-1][1] / 1024:.1f} MiB")
    load.stop.set()
    stop.set()
    for thread in workers:
        thread.join()
    changer.join()
    server.terminate()
    server.wait(timeout=60)
    logged = target.logged_call_ids()
    missing = load.answered - logged
    print(report(args, load, rss, done, failures, logged, missing))
    return 1 if missing or failures or set(load.statuses) - {"OK"} or load.retry_mismatches else 0


def report(args, load: Load, rss, done: Counter, failures: list[str], logged: set[str], missing: set[str]) -> str:
    every = [v for values in load.latencies.values() for v in values]
    minutes = [(str(m + 1), f"{len(v):,}", *quantiles(v)) for m, v in sorted(load.latencies.items())]
    latency = table(("minute", "calls", "p50 (ms)", "p90 (ms)", "p99 (ms)", "p99.9 (ms)", "max (ms)"),
                    [*minutes, ("all", f"{len(every):,}", *quantiles(every))])
    first_min = next((kib for t, kib in rss if t >= 60), rss[-1][1])
    memory = table(("at (min)", "VmRSS (MiB)"),
                   [(f"{t / 60:.1f}", f"{kib / 1024:.1f}") for t, kib in rss[::max(1, len(rss) // 12)]]
                   + [(f"{rss[-1][0] / 60:.1f}", f"{rss[-1][1] / 1024:.1f}")])
    growth = (f"VmRSS {rss[0][1] / 1024:.1f} MiB at the start, {first_min / 1024:.1f} MiB after a minute, "
              f"{rss[-1][1] / 1024:.1f} MiB at the end, peak {max(k for _, k in rss) / 1024:.1f} MiB: "
              f"{(rss[-1][1] - first_min) / 1024:+.1f} MiB after the first minute.")
    statuses = table(("status", "calls"), sorted((code, f"{n:,}") for code, n in load.statuses.items()))
    kinds = table(("kind", "calls"), sorted((kind, f"{n:,}") for kind, n in load.kinds.items()))
    cli = table(("CLI change", "runs"), sorted((job, str(n)) for job, n in done.items()))
    check = (f"Distinct call_ids answered: {len(load.answered):,}; in the decision log: {len(logged):,}; "
             f"answered but not logged: {len(missing):,}; retries answered differently: {load.retry_mismatches}; "
             f"CLI failures: {len(failures)}" + "".join(f"\n- {f}" for f in failures[:10]))
    machine = machine_rows() + [("grpcio", grpc.__version__), ("Backend", args.backend),
                                ("Load", f"{args.rate:g} calls/s, {args.threads} threads, {args.minutes:g} min")]
    return "\n\n".join((
        "## Machine\n\n" + table(("", ""), machine, text_columns=2),
        "## Calls by status\n\n" + statuses, "## Calls by kind\n\n" + kinds,
        "## Latency as the clients see it\n\n" + latency,
        "## Server memory\n\n" + memory + "\n\n" + growth,
        "## List changes meanwhile\n\n" + cli, "## Decision log\n\n" + check)) + "\n"


if __name__ == "__main__":
    sys.exit(main())
