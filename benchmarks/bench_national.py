"""National benchmark: the real server at national scale, against its four targets.

Builds (or reuses, with --db-dir) a database of the national lists: 2,000,000
approved numbers with their contacts' names, 500,000 blocked numbers, 50,000
patterns (prefixes, trailing wildcards, ranges), 100,000 watchlist names
(entries and their aliases) and 100,000 privileged numbers; --scale shrinks
every list alike. It starts the real server on a copy of it (`python -m
screening.cli serve`, a subprocess, on 127.0.0.1) and measures:

1. a one-entry change: `screening blocklist add NUMBER` (a CLI subprocess)
   of a number on some inmate's approved list, 50 times: from the moment the
   CLI exits (its transaction committed) until ScreenCall for that inmate
   and number, polled every 5 ms with a new call_id each time, says DENY
   with BLOCKED_NUMBER. p50/p90/p99/max, list-version polling included;
2. a 1,000-row import (`screening blocklist import FILE`), 5 times: until
   the file's last number is DENY (then a sample of the others is checked);
3. cold start: from Popen until grpc.health.v1 Check says SERVING, and until
   the "listening" line; the server's RSS then. Where the time goes, step by
   step, comes from start_stages.py, run in a subprocess on the same files;
4. memory: the server's VmRSS, sampled every 20 ms by a thread, while the
   changes of 1 and 2 are applied, against its RSS before them.

The lists are inserted by raw SQL in one transaction (bench_scale.py's
build_database and generators, bench_patterns.py's patterns, bench_names.py's
names), so they have no change-log entries: `screening audit verify` fails
on such a database. That does not matter here: the server only needs the
change log for the changes made after it has loaded the lists, and those
are made by the real CLI. The decision log is made anew for each run with
--decisions calls of the last 23 hours (what the server's resume reads).

    python benchmarks/bench_national.py --scale 0.05     # a quick check, about 2 minutes
    python benchmarks/bench_national.py                  # national scale
    python benchmarks/bench_national.py --db-dir /var/tmp/national --starts 3 --compare-with /tmp/screening-base

Markdown report on stdout, progress on stderr. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from array import array
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench_names import generate_entries, watch_rows
from bench_patterns import random_pattern, random_scope
from bench_scale import (AUDIT, BLOCK_CATEGORIES, FACILITIES, NUMBERS_PER_INMATE, RELATIONSHIPS, Latency, ListSizes,
                         NumberSpace, approved_call, build_database, home_facility, inmate_code, person_name,
                         work_folder)
from reporting import MIB, machine_rows, progress, table
from screening.config import Settings
from screening.adapters.sqlite.decision_log import SqliteDecisionLog
from screening.domain.blocklist import Scope, ScopeKind
from screening.domain.patterns import PatternKind, parse_pattern
from screening.domain.watchlist import WatchCategory
from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc

HERE = Path(__file__).resolve().parent
# The working folder of every subprocess: `python -m` puts it first on the
# path, so from the repository it would import the repository's code
# whatever PYTHONPATH says (--compare-with).
CWD = "/"
NATIONAL = {"allowlist": 2_000_000, "blocklist": 500_000, "patterns": 50_000, "watchlist": 100_000,
            "privileged": 100_000}
DECISIONS = 1_000_000  # calls of the last day a replica resumes from its decision log, at scale 1
# Approvals of a number another inmate approved too (brothers register their
# mother): the shared-number counts. Half under the same name, a quarter with
# a word of address, a quarter under another person's name.
SHARED_APPROVALS = 0.02
# A few whole ranges (premium rate, a country, a satellite network), then random patterns of each kind.
FIXED_PATTERNS = ("+62809*", "+234*", "+88216*")
PATTERN_MIX = ((PatternKind.PREFIX, 5), (PatternKind.WILDCARD, 3), (PatternKind.RANGE, 2))  # bench_patterns' mix
BLOCKED = (pb.REASON_BLOCKED_NUMBER, pb.REASON_BLOCKED_PATTERN)
TARGET_CHANGE_P99 = 1.0  # seconds
TARGET_IMPORT = 2.0  # seconds
TARGET_COLD_START = 10.0  # seconds
TARGET_RSS_GROWTH = 0.05
HEALTH_WATCH = 5.0  # seconds a health watch lasts while starting, before the next one
RSS_SAMPLE = 0.02  # seconds between VmRSS samples
# Quick reconnects: by default a channel waits a second or more after a refused connection.
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 20), ("grpc.min_reconnect_backoff_ms", 20),
                   ("grpc.max_reconnect_backoff_ms", 100)]
_LOADED = re.compile(r"version (\d+)\b.*\bin ([\d.]+) s")
_LISTENING = re.compile(r"listening on [^ ]+:(\d+)")


# --- the database ------------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    lists: ListSizes  # approved, blocked, privileged numbers
    patterns: int
    watch_names: int  # watchlist names, aliases included
    decisions: int

    @classmethod
    def at(cls, scale: float, decisions: int | None) -> Sizes:
        def n(name: str) -> int:
            return max(1, round(NATIONAL[name] * scale))
        return cls(ListSizes(n("allowlist"), n("blocklist"), n("privileged")), n("patterns"), n("watchlist"),
                   round(DECISIONS * scale) if decisions is None else decisions)

    def describe(self) -> dict[str, int]:
        return {"allowlist": self.lists.allowlist, "blocklist": self.lists.blocklist, "patterns": self.patterns,
                "watchlist names": self.watch_names, "privileged": self.lists.privileged}


@dataclass(frozen=True)
class Database:
    path: Path
    counts: dict[str, int]  # rows of each table
    inmates: int
    build_seconds: float | None  # None: reused
    file_bytes: int


def national_database(folder: Path, sizes: Sizes, seed: int) -> Database:
    """The database of these sizes in `folder`: built, or reused when a
    complete one is there (its .json says what it holds)."""
    path = folder / f"national-{sizes.lists.allowlist}-{sizes.lists.blocklist}-{sizes.patterns}-" \
                    f"{sizes.watch_names}-{sizes.lists.privileged}-shared{SHARED_APPROVALS:g}-seed{seed}.db"
    description = path.with_suffix(".json")
    if path.exists() and description.exists():
        info = json.loads(description.read_text())
        progress(f"reusing {path}")
        return Database(path, info["counts"], info["inmates"], None, path.stat().st_size)
    description.unlink(missing_ok=True)
    progress(f"building {path} ({', '.join(f'{v:,} {k}' for k, v in sizes.describe().items())})")
    inmates_estimate = max(1, round(sizes.lists.allowlist / NUMBERS_PER_INMATE))
    shared = round(sizes.lists.allowlist * SHARED_APPROVALS)
    lists = replace(sizes.lists, allowlist=sizes.lists.allowlist - shared)  # bench_scale's approvals, then these

    def more(conn: sqlite3.Connection) -> None:
        conn.executemany("INSERT INTO allowlist (inmate_id, facility_id, number, name, relationship, created_at, "
                         "created_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         list(shared_rows(conn, shared, seed)))
        conn.executemany("INSERT INTO blocklist (pattern, category, action, scope, created_at, created_by, reason) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", pattern_rows(sizes.patterns, seed, inmates_estimate))
        conn.executemany("INSERT INTO watchlist (name, aliases, category, action, scope, created_at, created_by, "
                         "reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         watchlist_rows(sizes.watch_names, seed, inmates_estimate))

    built = build_database(path, lists, seed, more)
    with closing(sqlite3.connect(path)) as conn:
        counts = {table_name: conn.execute(f"SELECT count(*) FROM {table_name}").fetchone()[0]
                  for table_name in ("allowlist", "blocklist", "privileged", "watchlist")}
    description.write_text(json.dumps({"counts": counts, "inmates": built.inmates, "seconds": built.seconds}))
    return Database(path, counts, built.inmates, built.seconds, path.stat().st_size)


def shared_rows(conn: sqlite3.Connection, count: int, seed: int) -> Iterator[tuple]:
    """`count` more approvals of numbers already approved, each by another
    inmate (one to three more for a number)."""
    rng = random.Random(f"national-shared-{seed}")
    inmates = [row[0] for row in conn.execute("SELECT DISTINCT inmate_id FROM allowlist")]
    last = conn.execute("SELECT max(id) FROM allowlist").fetchone()[0]
    approving: set[tuple[str, str]] = set()
    made = 0
    while made < count and last:
        inmate, number, name = conn.execute("SELECT inmate_id, number, name FROM allowlist WHERE id = ?",
                                            (rng.randint(1, last),)).fetchone()
        approving.add((inmate, number))
        for _ in range(min(rng.randint(1, 3), count - made)):
            other = rng.choice(inmates)
            if (other, number) in approving:
                continue
            approving.add((other, number))
            draw = rng.random()
            registered = name if draw < 0.5 else f"Ibu {name}" if draw < 0.75 else person_name(rng)
            yield other, "", number, registered, rng.choice(RELATIONSHIPS), *AUDIT
            made += 1


def pattern_rows(count: int, seed: int, inmates: int) -> Iterator[tuple]:
    """`count` patterns other than exact numbers, canonical as parse_pattern writes them."""
    rng = random.Random(f"national-patterns-{seed}")
    kinds, weights = zip(*PATTERN_MIX)
    fixed, seen = iter(FIXED_PATTERNS), set()
    while len(seen) < count:
        text = next(fixed, None)
        scope = "global"
        if text is None:
            text = random_pattern(rng, rng.choices(kinds, weights)[0])
            scope = national_scope(random_scope(rng), inmates)
        canonical = parse_pattern(text, "ID").text
        if (canonical, scope) in seen:
            continue
        seen.add((canonical, scope))
        yield canonical, rng.choice(BLOCK_CATEGORIES), "review" if rng.random() < 0.1 else "deny", scope, *AUDIT


def watchlist_rows(names: int, seed: int, inmates: int) -> Iterator[tuple]:
    """Entries holding `names` names in all (aliases included), no (name, scope) twice."""
    rng = random.Random(f"national-watchlist-{seed}")
    categories = [category.label for category in WatchCategory]
    kept, seen = 0, set()
    for row in watch_rows(generate_entries(round(names * 1.2) + 100, seed), seed):
        if kept >= names:
            return
        scope = national_scope(row.scope, inmates)
        if (row.name, scope) in seen:
            continue  # the store refuses a second entry of one name in one scope
        seen.add((row.name, scope))
        aliases = list(row.aliases) if kept + 1 + len(row.aliases) <= names else []
        kept += 1 + len(aliases)
        yield (row.name, json.dumps(aliases, ensure_ascii=False), rng.choice(categories), row.action.label, scope,
               *AUDIT)
    raise RuntimeError(f"the name generator gave {kept:,} distinct names, not {names:,}")


def national_scope(scope: Scope, inmates: int) -> str:
    """A generator's scope as one of this database's facilities or inmates."""
    if scope.kind is ScopeKind.GLOBAL:
        return "global"
    number = int(re.sub(r"\D", "", scope.value))
    if scope.kind is ScopeKind.FACILITY:
        return f"facility:UPT{number % FACILITIES:03d}"
    return f"inmate:{inmate_code(number % inmates)}"


def fill_decision_log(path: Path, count: int, inmates: int, seed: int) -> None:
    """A decision log (the server's schema) of `count` calls over the last 23 hours, oldest first."""
    SqliteDecisionLog(path).close()
    rng = random.Random(f"national-decisions-{seed}")
    numbers = NumberSpace(seed)
    now = time.time()
    findings = json.dumps([["ALLOWLISTED", "ALLOW", "on the approved list", 1, 0.0]])

    def rows() -> Iterator[tuple]:
        for n in range(count):
            inmate = inmate_code(rng.randrange(inmates))
            number = numbers.e164(rng.randrange(10 * inmates))
            yield (home_facility(inmate), f"prefill-{n}", inmate, "station-1", number, "", number, int(number[1:]),
                   "MOBILE", "ID", now - 23 * 3600 * (1 - n / count), "", "ALLOW", 1, 900, 1, findings)

    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO decisions (facility_id, call_id, inmate_id, station_id, dialed_number, "
                         "called_party_name, normalized_number, number_key, number_type, number_region, at, "
                         "requested_at, decision, record, max_duration_seconds, list_version, findings) "
                         f"VALUES ({', '.join('?' * 17)})", rows())
        conn.execute("COMMIT")


# --- the server --------------------------------------------------------------------

def rss_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class RssSampler:
    """VmRSS of a process every RSS_SAMPLE seconds, from a thread, until it stops."""

    def __init__(self, pid: int):
        self._pid = pid
        self.times, self.values = array("d"), array("q")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                rss = rss_of(self._pid)
            except (OSError, RuntimeError):
                return  # the process is gone
            self.times.append(time.monotonic())
            self.values.append(rss)
            self._stop.wait(RSS_SAMPLE)

    def between(self, start: float, end: float) -> list[int]:
        return [v for t, v in zip(self.times, self.values) if start <= t <= end]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class ColdStart:
    code: str
    grpc_up: float  # Popen -> first health answer (NOT_SERVING while loading)
    serving: float  # Popen -> SERVING
    listening: float  # Popen -> the "listening" line
    load_seconds: float | None  # the server's own "lists loaded ... in X s"
    rss_serving: int
    rss_peak: int  # highest sample from Popen to SERVING


class Server:
    """The real server in a subprocess, on 127.0.0.1, stopped by stop() (SIGTERM)."""

    def __init__(self, database: Path, env: dict[str, str], code: str):
        self.code = code
        self.port = free_port()
        self.lines: list[tuple[float, str]] = []
        self.popen_at = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "screening.cli", "serve", "--database", str(database),
             "--listen", f"127.0.0.1:{self.port}", "--metrics-listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=CWD)
        self.rss = RssSampler(self.process.pid)
        # Keep reading its output (a full pipe would block it), each line with when it came.
        self._reader = threading.Thread(target=self._read, name="server-output", daemon=True)
        self._reader.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}", options=CHANNEL_OPTIONS)
        self.stub = screening_pb2_grpc.CallScreeningServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(text for _, text in self.lines[-lines:])

    def wait_serving(self, timeout: float) -> ColdStart:
        """Until health says SERVING. Watched, not polled: a Check every few
        milliseconds takes the loading server's GIL each time, and made its
        load a second slower (13.2 s -> 14.3 s at national scale)."""
        up_at = serving_at = None
        deadline = self.popen_at + timeout
        request = health_pb2.HealthCheckRequest(service="")
        while serving_at is None:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}) before SERVING:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server was not SERVING {timeout:.0f} s after it started:\n{self.log_tail()}")
            # The first answer is the status now (NOT_SERVING while loading),
            # then one at each change; a new watch every few seconds, to see
            # whether the server is still there.
            watch = self.health.Watch(request, timeout=HEALTH_WATCH, wait_for_ready=True)
            try:
                for answer in watch:
                    now = time.monotonic()
                    up_at = now if up_at is None else up_at
                    if answer.status == health_pb2.HealthCheckResponse.SERVING:
                        serving_at = now
                        break
            except grpc.RpcError as error:
                if error.code() not in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE):
                    raise
                time.sleep(0.05)
            finally:
                watch.cancel()
        if self.health.Check(request, timeout=10).status != health_pb2.HealthCheckResponse.SERVING:
            raise RuntimeError("health was watched SERVING, but a Check says otherwise")
        rss_serving = rss_of(self.process.pid)
        listening_at = self._wait_line(_LISTENING, self.popen_at + timeout)
        loaded = [float(m[2]) for _, text in self.lines if "lists loaded" in text and (m := _LOADED.search(text))]
        return ColdStart(self.code, up_at - self.popen_at, serving_at - self.popen_at, listening_at - self.popen_at,
                         loaded[0] if loaded else None, rss_serving,
                         max(self.rss.between(self.popen_at, serving_at) + [rss_serving]))

    def _wait_line(self, pattern: re.Pattern, deadline: float) -> float:
        while time.monotonic() < deadline:
            for at, text in list(self.lines):
                if pattern.search(text):
                    return at
            if self.process.poll() is not None:
                break
            time.sleep(0.01)
        raise RuntimeError(f"no line matching {pattern.pattern!r} from the server:\n{self.log_tail()}")

    def screen(self, inmate: str, facility: str, number: str) -> pb.ScreenCallResponse:
        return self.stub.ScreenCall(pb.ScreenCallRequest(
            call_id=f"bench-{uuid.uuid4().hex}", facility_id=facility, inmate_id=inmate, dialed_number=number,
            station_id="bench-national"), timeout=10)

    def blocked(self, inmate: str, facility: str, number: str) -> bool:
        reply = self.screen(inmate, facility, number)
        return reply.decision == pb.DECISION_DENY and any(f.reason in BLOCKED for f in reply.findings)

    def applied(self, since: float) -> list[tuple[float, int, float]]:
        """(when logged, list version, seconds) of each load the server logged since then
        (lines "... version N ... in S s")."""
        return [(at, int(m[1]), float(m[2])) for at, text in list(self.lines)
                if at >= since and (m := _LOADED.search(text))]

    def stop(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.rss.stop()
        self._reader.join(timeout=5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(database: Path, env: dict[str, str], code: str) -> Iterator[Server]:
    server = Server(database, env, code)
    try:
        yield server
    finally:
        server.stop()


def environment(python_path: Path | None, reload_interval: float | None) -> dict[str, str]:
    """The server's and the CLI's environment: none of ours SCREENING_*; another
    checkout's code first on the path, if given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCREENING_") and k != "PYTHONPATH"}
    # Loopback, without the per-client caps; env, not flags: an older checkout ignores them.
    env.update(SCREENING_ALLOW_UNAUTHENTICATED="true", SCREENING_CLIENT_MAX_CALLS_PER_SECOND="0", SCREENING_CLIENT_MAX_IN_FLIGHT="1000")
    if python_path is not None:
        env["PYTHONPATH"] = str(python_path)
    if reload_interval is not None:
        env["SCREENING_RELOAD_INTERVAL"] = str(reload_interval)
    return env


def code_of(env: dict[str, str]) -> str:
    """Where the `screening` package that environment imports lives."""
    return subprocess.run([sys.executable, "-c", "import screening; print(screening.__file__)"], env=env, cwd=CWD,
                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()


def stages(database: Path, env: dict[str, str], profile: Path | None) -> dict:
    """start_stages.py in a subprocess: where a cold start goes, step by step."""
    command = [sys.executable, str(HERE / "start_stages.py"), str(database)]
    if profile is not None:
        command += ["--profile", str(profile)]
    popen_at = time.monotonic()
    result = subprocess.run([*command, "--popen-at", repr(popen_at)], env=env, cwd=CWD, capture_output=True,
                            text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"start_stages.py failed:\n{result.stderr[-3000:]}")
    if profile is not None:
        profile.with_suffix(".txt").write_text(result.stderr)
    return json.loads(result.stdout)


# --- targets 1 and 2: changes through the CLI ----------------------------------------

class Approved:
    """Approved numbers from the database, none twice, none on the blocklist as an exact number."""

    def __init__(self, database: Path, seed: int):
        self._conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        self._rng = random.Random(f"national-approved-{seed}")
        self._last = self._conn.execute("SELECT max(id) FROM allowlist").fetchone()[0]
        self._used: set[str] = set()

    def next(self) -> tuple[str, str, str]:
        """(inmate, facility, number) of one approval."""
        for _ in range(10_000):
            row = self._conn.execute("SELECT inmate_id, facility_id, number FROM allowlist WHERE id = ?",
                                     (self._rng.randint(1, self._last),)).fetchone()
            if row is None or row[2] in self._used:
                continue
            self._used.add(row[2])
            if self._conn.execute("SELECT 1 FROM blocklist WHERE pattern = ?", (row[2],)).fetchone():
                continue
            return approved_call(row)
        raise RuntimeError("no approved number left that is not blocked")

    def not_blocked(self, server: Server) -> tuple[str, str, str]:
        """One the server does not block now (no pattern covers it either)."""
        for _ in range(1000):
            call = self.next()
            if not server.blocked(*call):
                return call
        raise RuntimeError("every approved number tried is blocked")

    def logged_at(self) -> tuple[int, float]:
        """(version, time.monotonic() equivalent of its `at`) of the newest change-log entry."""
        version, at = self._conn.execute("SELECT version, at FROM change_log ORDER BY version DESC LIMIT 1").fetchone()
        return version, datetime.fromisoformat(at).timestamp() - WALL_MINUS_MONOTONIC

    def close(self) -> None:
        self._conn.close()


WALL_MINUS_MONOTONIC = time.time() - time.monotonic()


@dataclass
class Landing:
    """One change through the CLI, until the server answered from it."""

    cli_seconds: float  # the CLI's wall time
    after_exit: float | None  # seconds from the CLI's exit to the first answer from the change; None: timed out
    after_logged: float | None  # from the change-log entry's own time (in the transaction, before its commit)
    polls: int
    version: int
    server_seconds: list[float] = field(default_factory=list)  # loads the server logged meanwhile, and their times
    sample_blocked: str = ""  # imports: how many of a sample of the file's numbers are blocked then


def cli(database: Path, env: dict[str, str], *args: str) -> float:
    """Run `screening ARGS --database DB`; its wall time. Raises when it fails."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "screening.cli", *args, "--database", str(database)],
                            env=env, cwd=CWD, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"screening {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return time.monotonic() - started


def land(server: Server, approved: Approved, call: tuple[str, str, str], run_cli, poll: float,
         timeout: float) -> Landing:
    """Run the change (run_cli() -> its wall time), then poll `call` until it is blocked."""
    cli_seconds = run_cli()
    exited = time.monotonic()
    version, logged = approved.logged_at()
    polls, next_poll, answered = 0, exited, None
    while time.monotonic() < exited + timeout:
        try:
            polls += 1
            if server.blocked(*call):
                answered = time.monotonic()
                break
        except grpc.RpcError as error:
            if server.process.poll() is not None:
                raise RuntimeError(f"the server died:\n{server.log_tail()}") from error
        next_poll += poll
        time.sleep(max(0.0, next_poll - time.monotonic()))
    return Landing(cli_seconds, None if answered is None else answered - exited,
                   None if answered is None else answered - logged, polls, version)


def note_server_times(server: Server, landings: list[Landing]) -> None:
    """Each landing's load (or delta) time as the server logged it: the first
    logged at its version or a later one (the line may come just after the answer)."""
    logged = server.applied(0.0)
    for landing in landings:
        landing.server_seconds = [next((seconds for _, version, seconds in logged if version >= landing.version),
                                       None)]
        landing.server_seconds = [s for s in landing.server_seconds if s is not None]


def measure_changes(server: Server, database: Path, env: dict[str, str], approved: Approved,
                    args: argparse.Namespace, interval: float, rng: random.Random) -> list[Landing]:
    landings = []
    for n in range(args.changes):
        call = approved.not_blocked(server)
        time.sleep(rng.uniform(0, interval))  # any phase against the server's polling
        landing = land(server, approved, call, lambda: cli(
            database, env, "blocklist", "add", call[2], "--category", "fraud", "--reason",
            f"bench_national change {n + 1}"), args.poll_ms / 1000, args.timeout)
        landings.append(landing)
        shown = "timed out" if landing.after_exit is None else f"{landing.after_exit:.3f} s"
        progress(f"change {n + 1}/{args.changes}: {call[2]} answered DENY {shown} after the CLI exited "
                 f"(CLI {landing.cli_seconds:.2f} s, {landing.polls} polls)")
        if sum(1 for done in landings if done.after_exit is None) >= 3:
            progress("three changes timed out: stopping the changes")
            break
    return landings


def measure_imports(server: Server, database: Path, env: dict[str, str], approved: Approved,
                    args: argparse.Namespace, interval: float, rng: random.Random, folder: Path) -> list[Landing]:
    landings = []
    for n in range(args.imports):
        last = approved.not_blocked(server)
        calls = [approved.next() for _ in range(args.import_rows - 1)] + [last]
        path = folder / f"import-{n + 1}.txt"
        path.write_text(f"# bench_national import {n + 1}\n" + "".join(f"{number}\n" for _, _, number in calls))
        time.sleep(rng.uniform(0, interval))
        landing = land(server, approved, last, lambda: cli(
            database, env, "blocklist", "import", str(path), "--format", "text", "--reason",
            f"bench_national import {n + 1}"), args.poll_ms / 1000, args.timeout)
        if landing.after_exit is not None:
            sample = random.Random(n).sample(calls[:-1], min(20, len(calls) - 1))
            landing.sample_blocked = f"{sum(server.blocked(*call) for call in sample)}/{len(sample)}"
        landings.append(landing)
        shown = "timed out" if landing.after_exit is None else f"{landing.after_exit:.3f} s"
        progress(f"import {n + 1}/{args.imports}: last number answered DENY {shown} after the CLI exited "
                 f"(CLI {landing.cli_seconds:.2f} s; sample blocked {landing.sample_blocked})")
    return landings


def warm_up(server: Server, approved: Approved, calls: int = 200) -> None:
    """Screen a few approved numbers: the first calls pay one-time costs that are no delta's."""
    for _ in range(calls):
        server.screen(*approved.next())


# --- the report ----------------------------------------------------------------------

def seconds_of(landings: list[Landing], attribute: str = "after_exit") -> Latency | None:
    values = [getattr(landing, attribute) for landing in landings]
    if not values or any(v is None for v in values):
        return None
    return Latency.of([round(v * 1e9) for v in values])  # in microseconds


def fmt_s(microseconds: float) -> str:
    return f"{microseconds / 1e6:.3f}"


def machine_section(args: argparse.Namespace, env_code: str, interval: float) -> str:
    rows = [
        *machine_rows(),
        ("Server code", f"`{env_code}`"),
        ("reload_interval", f"{interval:g} s" + ("" if args.reload_interval is None else
                                                  " (SCREENING_RELOAD_INTERVAL)")),
        ("Seed", str(args.seed)),
    ]
    return "## Machine\n\n" + table(("", ""), rows, text_columns=2)


def database_section(database: Database, sizes: Sizes) -> str:
    built = "reused" if database.build_seconds is None else f"built in {database.build_seconds:.1f} s"
    rows = [(name, f"{count:,}") for name, count in database.counts.items()]
    rows.insert(2, ("  of which patterns", f"{sizes.patterns:,}"))
    rows += [("inmates", f"{database.inmates:,}"), ("watchlist names (aliases included)", f"{sizes.watch_names:,}"),
             ("decisions of the last 23 h to resume", f"{sizes.decisions:,}")]
    return (f"## The database\n\n{database.file_bytes / MIB:,.0f} MiB, {built} (one transaction of raw inserts; "
            "the server runs on a copy).\n\n" + table(("rows", ""), rows))


def cold_start_section(starts: list[ColdStart]) -> str:
    rows = [(s.code, f"{s.grpc_up:.2f}", f"{s.serving:.2f}", f"{s.listening:.2f}",
             "-" if s.load_seconds is None else f"{s.load_seconds:.2f}", f"{s.rss_serving / MIB:,.0f}",
             f"{s.rss_peak / MIB:,.0f}") for s in starts]
    text = ("## 3. Cold start\n\nFrom Popen of `screening serve` until grpc.health.v1 answers at all "
            "(NOT_SERVING while the lists load), until it says SERVING, and until the \"listening\" line; the "
            "server's own load time from its log; VmRSS when SERVING and the highest sample before. Seconds, "
            "MiB. Health is watched (grpc.health.v1 Watch: the server sends each change), not polled; the OS "
            "page cache holds the database (it was just copied).\n\n"
            + table(("code", "gRPC up", "SERVING", "listening line", "lists load (log)", "RSS serving",
                     "RSS peak"), rows, text_columns=1))
    codes = sorted({s.code for s in starts})
    if len(codes) > 1:
        medians = {code: statistics.median(s.serving for s in starts if s.code == code) for code in codes}
        this, other = medians["this"], medians[next(c for c in codes if c != "this")]
        text += (f"\n\nMedian to SERVING: this code {this:.2f} s, the other {other:.2f} s: "
                 f"{other / this:.2f}x faster.")
    return text


def stages_section(results: dict[str, dict]) -> str:
    codes = list(results)
    names = list(dict.fromkeys(stage["stage"] for result in results.values() for stage in result["stages"]))
    by_code = {code: {stage["stage"]: stage for stage in result["stages"]} for code, result in results.items()}
    rows = []
    for name in names:
        cells = []
        for code in codes:
            stage = by_code[code].get(name)
            cells.append("-" if stage is None else f"{stage['seconds']:.2f}")
        detail = next((stage for code in codes if (stage := by_code[code].get(name))), {})
        extra = ", ".join(f"{detail[k]:,} {k}" for k in ("rows", "attempts") if k in detail)
        if len(codes) == 2 and all(name in by_code[c] for c in codes) and by_code[codes[0]][name]["seconds"] > 0.005:
            cells.append(f"{by_code[codes[1]][name]['seconds'] / by_code[codes[0]][name]['seconds']:.2f}x")
        elif len(codes) == 2:
            cells.append("")
        rows.append((name, *cells, extra))
    totals = []
    for code in codes:
        parts = [s["seconds"] for s in results[code]["stages"] if not s["stage"].startswith("whole")]
        totals.append(f"{sum(parts):.2f}")
    rows.append(("sum of the steps", *totals, *([""] if len(codes) == 2 else []), ""))
    header = ("step", *(f"{code} (s)" for code in codes), *(["other / this"] if len(codes) == 2 else []), "")
    return ("## 3a. Where a cold start goes\n\n`start_stages.py` in a subprocess: the steps of `start_service` "
            "timed one by one; each list read (rows consumed and kept) apart from its build (build_snapshot of "
            "that list alone). The whole snapshot, read and built interleaved as the server does it, is timed "
            "last, for comparison with read + build.\n\n" + table(header, rows, text_columns=1))


def landing_rows(label: str, landings: list[Landing]) -> list[tuple[str, ...]]:
    rows = []
    for attribute, what in (("after_exit", "from the CLI's exit"), ("after_logged", "from the change log's time")):
        latency = seconds_of(landings, attribute)
        if latency is None:
            missed = sum(1 for landing in landings if getattr(landing, attribute) is None)
            rows.append((label, what, f"{len(landings)}", f"{missed} timed out", "", "", ""))
        else:
            rows.append((label, what, f"{latency.count}", fmt_s(latency.p50), fmt_s(latency.p90), fmt_s(latency.p99),
                         fmt_s(latency.max)))
    return rows


def changes_section(changes: list[Landing], imports: list[Landing], interval: float, args) -> str:
    rows = landing_rows("one entry (`blocklist add`)", changes) + landing_rows(
        f"{args.import_rows:,} rows (`blocklist import`)", imports)
    cli_rows = []
    for label, landings in (("blocklist add", changes), ("blocklist import", imports)):
        if landings:
            applied = [s for landing in landings for s in landing.server_seconds]
            cli_rows.append((label, f"{statistics.median(l.cli_seconds for l in landings):.2f}",
                             f"{statistics.median(applied):.3f}" if applied else "-",
                             f"{max(applied):.3f}" if applied else "-",
                             f"{statistics.median(l.polls for l in landings):.0f}",
                             ", ".join(sorted({l.sample_blocked for l in landings if l.sample_blocked})) or "-"))
    return (f"## 1 and 2. Changes through the CLI, until the server answers from them\n\n"
            f"Each change is made by the CLI as a subprocess, at a random moment against the server's "
            f"{interval:g} s polling; then ScreenCall for the changed number and an inmate who approved it is "
            f"polled every {args.poll_ms:g} ms (a new call_id each time) until it is DENY with BLOCKED_NUMBER. "
            "*From the CLI's exit*: its transaction was committed before it exited, so this is a little less "
            "than the latency from the commit; *from the change log's time*: the entry's own timestamp, taken "
            "inside the transaction before the commit, so a little more. Seconds.\n\n"
            + table(("change", "measured", "n", "p50", "p90", "p99", "max"), rows, text_columns=2)
            + "\n\n" + table(("CLI", "CLI wall time p50 (s)", "server's load/apply p50 (s, its log)", "max",
                             "polls p50", "imports: sample of the file blocked then"), cli_rows, text_columns=1))


@dataclass
class Memory:
    baseline: int
    during_changes: int | None
    during_imports: int | None

    def growth(self) -> float | None:
        peaks = [p for p in (self.during_changes, self.during_imports) if p is not None]
        return None if not peaks else max(peaks) / self.baseline - 1


def memory_section(memory: Memory) -> str:
    def cells(peak: int | None) -> tuple[str, str]:
        if peak is None:
            return "-", "-"
        return f"{peak / MIB:,.0f}", f"{(peak / memory.baseline - 1) * 100:+.1f} %"
    rows = [("before the changes (baseline)", f"{memory.baseline / MIB:,.0f}", ""),
            ("highest while the one-entry changes were applied", *cells(memory.during_changes)),
            ("highest while the imports were applied", *cells(memory.during_imports))]
    return ("## 4. Memory while changes are applied\n\nThe server's VmRSS, sampled every 20 ms from a thread of "
            "this process: the mean of the last second before the first change (after 200 warm-up calls), "
            "and the highest sample from each phase's first CLI start to its last answer.\n\n"
            + table(("", "RSS (MiB)", "growth"), rows))


def targets_section(changes: list[Landing], imports: list[Landing], starts: list[ColdStart], memory: Memory | None,
                    interval: float) -> str:
    def judged(value: float | None, limit: float, shown: str) -> tuple[str, str]:
        return ("-", "not measured") if value is None else (shown, "met" if value <= limit else "missed")

    def landed(landings: list[Landing], statistic: str, limit: float) -> tuple[str, str]:
        if not landings:
            return "-", "not measured"
        late = sum(landing.after_exit is None for landing in landings)
        if late:
            return f"{late} of {len(landings)} not answered within the timeout", "missed"
        value = getattr(seconds_of(landings), statistic) / 1e6
        return judged(value, limit, f"{value:.3f} s")

    ours = [s.serving for s in starts if s.code == "this"]
    cold = max(ours) if ours else None
    growth = memory.growth() if memory else None
    rows = [
        (f"1. one-entry change answered after its commit (p99 of {len(changes)}; reload_interval {interval:g} s)",
         *landed(changes, "p99", TARGET_CHANGE_P99), f"<= {TARGET_CHANGE_P99:g} s"),
        (f"2. import of 1,000 rows answered (the slowest of {len(imports)})",
         *landed(imports, "max", TARGET_IMPORT), f"<= {TARGET_IMPORT:g} s"),
        (f"3. cold start to SERVING (the slowest of {len(ours)})",
         *judged(cold, TARGET_COLD_START, f"{cold:.2f} s"), f"<= {TARGET_COLD_START:g} s"),
        ("4. RSS growth while changes are applied (the highest)",
         *judged(growth, TARGET_RSS_GROWTH, f"{(growth or 0) * 100:+.1f} %"), f"<= {TARGET_RSS_GROWTH * 100:g} %"),
    ]
    return "## The targets\n\n" + table(("target", "measured", "limit", ""), [(a, b, d, c) for a, b, c, d in rows],
                                         text_columns=1)


# --- main ----------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="every list at this share of national size "
                                                                  "(default 1.0; 0.05 for a quick check)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--db-dir", type=Path, help="build the database here, or reuse the one there "
                                                     "(default: a temporary folder)")
    parser.add_argument("--decisions", type=int, help=f"calls in the decision log to resume (default "
                                                       f"{DECISIONS:,} x scale)")
    parser.add_argument("--changes", type=int, default=50, help="one-entry changes (target 1, default 50)")
    parser.add_argument("--imports", type=int, default=5, help="imports (target 2, default 5)")
    parser.add_argument("--import-rows", type=int, default=1000, help="rows per import (default 1000)")
    parser.add_argument("--poll-ms", type=float, default=5.0, help="ScreenCall polling period (default 5 ms)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds a change may take to be answered "
                                                                      "before it counts as timed out (default 180)")
    parser.add_argument("--reload-interval", type=float, help="run the server with SCREENING_RELOAD_INTERVAL "
                                                               "set to this (default: unset, 1 s)")
    parser.add_argument("--starts", type=int, default=1, help="cold starts to measure (default 1; the last "
                                                             "one's server takes the changes)")
    parser.add_argument("--compare-with", type=Path, help="a source tree (holding screening/) to measure the "
                                                           "cold start and its steps of too, alternating (A/B)")
    parser.add_argument("--no-stages", action="store_true", help="skip the step-by-step cold start")
    parser.add_argument("--profile", type=Path, help="write cProfile statistics of the whole snapshot (this code) "
                                                     "to this file, and its top functions to FILE.txt")
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.scale > 2:
        parser.error("--scale must be in (0, 2]")
    if args.starts < 1 or args.changes < 0 or args.imports < 0 or args.import_rows < 1:
        parser.error("--starts must be positive, --changes and --imports not negative")
    if args.compare_with is not None and not (args.compare_with / "screening" / "__init__.py").exists():
        parser.error(f"--compare-with {args.compare_with}: no screening/ package there")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.monotonic()
    sizes = Sizes.at(args.scale, args.decisions)
    interval = Settings().reload_interval if args.reload_interval is None else args.reload_interval
    ours = environment(None, args.reload_interval)
    codes = {"this": ours}
    if args.compare_with is not None:
        codes["other"] = environment(args.compare_with.resolve(), args.reload_interval)
    where = {code: code_of(env) for code, env in codes.items()}
    if "other" in where and not where["other"].startswith(str(args.compare_with.resolve())):
        raise SystemExit(f"--compare-with: the server would import {where['other']}, not that tree's code")
    sections, starts, stage_results = [], [], {}
    changes: list[Landing] = []
    imports: list[Landing] = []
    memory, failure = None, None
    with (work_folder(args.db_dir, "bench_national-db-") as keep,
          tempfile.TemporaryDirectory(prefix="bench_national-") as scratch):
        database = national_database(keep, sizes, args.seed)
        work = Path(scratch) / "screening.db"
        progress(f"copying it to {work}, and writing a decision log of {sizes.decisions:,} calls")
        shutil.copyfile(database.path, work)
        os.chmod(work, 0o600)
        fill_decision_log(work.with_name("screening-decisions.db"), sizes.decisions, database.inmates, args.seed)
        if not args.no_stages:
            for code, env in codes.items():
                progress(f"cold start step by step ({code} code)")
                stage_results[code] = stages(work, env, args.profile if code == "this" else None)
        order = []  # alternating (A/B), ending with this code, whose server then takes the changes
        for n in range(args.starts):
            order += list(codes) if n % 2 == 0 else list(reversed(codes))
        if order[-1] != "this":
            order.reverse()
        rng = random.Random(f"national-phase-{args.seed}")
        for n, code in enumerate(order):
            last = n == len(order) - 1
            progress(f"cold start {n + 1}/{len(order)} ({code} code)")
            with running(work, codes[code], code) as server:
                start = server.wait_serving(timeout=600)
                starts.append(start)
                progress(f"SERVING {start.serving:.2f} s after Popen, RSS {start.rss_serving / MIB:,.0f} MiB")
                if not last:
                    continue
                approved = Approved(work, args.seed)
                try:
                    warm_up(server, approved)
                    time.sleep(2)
                    now = time.monotonic()
                    memory = Memory(round(statistics.fmean(server.rss.between(now - 1, now))), None, None)
                    if args.changes:
                        begun = time.monotonic()
                        changes = measure_changes(server, work, ours, approved, args, interval, rng)
                        memory.during_changes = max(server.rss.between(begun, time.monotonic()), default=None)
                    if args.imports:
                        begun = time.monotonic()
                        imports = measure_imports(server, work, ours, approved, args, interval, rng, Path(scratch))
                        memory.during_imports = max(server.rss.between(begun, time.monotonic()), default=None)
                    time.sleep(0.5)  # the server's last log lines
                    note_server_times(server, changes)
                    note_server_times(server, imports)
                except Exception as error:  # report what was measured, and why the rest was not
                    failure = f"{type(error).__name__}: {error}"
                    progress(f"stopped early: {failure}")
                finally:
                    approved.close()
    sections.append(machine_section(args, where["this"], interval))
    sections.append(database_section(database, sizes))
    sections.append(targets_section(changes, imports, starts, memory, interval))
    sections.append(changes_section(changes, imports, interval, args))
    if memory is not None:
        sections.append(memory_section(memory))
    sections.append(cold_start_section(starts))
    if stage_results:
        sections.append(stages_section(stage_results))
    if "other" in where:
        sections.append(f"Other code: `{where['other']}`.")
    if failure:
        sections.append(f"**The run stopped early**: {failure}")
    sections.append(f"Whole run: {time.monotonic() - started:.0f} s wall.")
    print("\n\n".join(sections) + "\n")


if __name__ == "__main__":
    main()
