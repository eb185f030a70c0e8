"""Where a cold start goes: the steps of `screening serve` timed one by one.

Runs, in this process, what screening.bootstrap.start_service does before
the server reports SERVING, with a clock around each step, and prints the
times as JSON on stdout (bench_national.py runs it in a subprocess and puts
them in its report):

- the interpreter's own start (from --popen-at, the parent's
  time.monotonic() just before it started this process) and the imports;
- settings and policies, opening the store and the decision log;
- reading each list from the store (Store.read_lists, every row consumed
  and kept, nothing built), then building each list from those rows by
  build_snapshot given that one list (so whatever build_snapshot does for
  it is counted, and only that): the allowlist with shared_approvals
  apart, the privileged numbers, the blocklist, the watchlist with its
  NameIndex apart;
- the decision-log resume (CallScreener.resume);
- the gRPC server: built, bound to 127.0.0.1:0, started;
- and last, once the rows above are freed, one whole Store.snapshot() as the
  server does it (reading and building interleaved), for comparison with
  the sum of the parts.

    python benchmarks/start_stages.py DATABASE [--profile FILE]

--profile writes cProfile statistics of the whole snapshot to FILE and the
top functions to stderr. Nothing is written to the database (the decision
log is opened as the server opens it). Linux (time.monotonic() is
CLOCK_MONOTONIC, the same clock in every process).
"""

from __future__ import annotations

import time

STARTED = time.monotonic()  # before anything of the project is imported

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from contextlib import contextmanager  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database")
    parser.add_argument("--popen-at", type=float, help="the parent's time.monotonic() when it started this process")
    parser.add_argument("--profile", help="write cProfile statistics of the whole snapshot to this file")
    args = parser.parse_args(argv)
    stages: list[dict] = []

    @contextmanager
    def stage(name: str, **detail):
        gc.collect()
        started = time.monotonic()
        yield detail
        stages.append({"stage": name, "seconds": time.monotonic() - started, **detail})

    if args.popen_at is not None:
        stages.append({"stage": "interpreter start", "seconds": STARTED - args.popen_at})
    with stage("imports (screening.cli, bootstrap, grpc)"):
        import screening
        import screening.bootstrap as bootstrap
        import screening.cli.main  # noqa: F401
        from screening.adapters.database import open_store
        from screening.adapters.grpc.server import GrpcServer
        from screening.adapters.sqlite.decision_log import SqliteDecisionLog
        from screening.config import load_settings
        from screening.domain import lists as lists_module
        from screening.domain import watchlist as watchlist_module
        from screening.domain.engine import ScreeningEngine
        from screening.domain.snapshots import LISTS, ListRows, build_snapshot
        from screening.service.screener import CallScreener
    with stage("settings and policies"):
        settings = load_settings(None, database=args.database, listen="127.0.0.1:0", metrics_listen="")
        policies = settings.policies()
    with stage("open the store"):
        store = open_store(settings.database)
    with stage("open the decision log"):
        decisions = SqliteDecisionLog(bootstrap.decision_log_path(settings))

    rows: dict[str, list] = {}
    with store.read_lists() as read:
        version = read.version
        for name in LISTS:
            with stage(f"read {name}") as detail:
                rows[name] = list(getattr(read, name))
                detail["rows"] = len(rows[name])

    # Parts build_snapshot calls, timed from the inside (patched on their
    # modules for the time of the build; whatever the rest of it does is
    # the list's own build).
    inner: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*a, **k):
            started = time.monotonic()
            try:
                return function(*a, **k)
            finally:
                inner[name] = inner.get(name, 0.0) + time.monotonic() - started
        return wrapper

    shared_approvals = lists_module.Allowlist.shared_approvals
    name_index = watchlist_module.NameIndex
    lists_module.Allowlist.shared_approvals = timed("shared_approvals", shared_approvals)
    watchlist_module.NameIndex = timed("NameIndex", name_index)
    try:
        for name in LISTS:
            inner.clear()
            gc.collect()
            started = time.monotonic()
            build_snapshot(ListRows(version, **{name: rows[name]}))
            seconds = time.monotonic() - started
            parts = {"allowlist": "shared_approvals", "watchlist": "NameIndex"}
            part = parts.get(name)
            apart = inner.get(part, 0.0) if part else 0.0
            stages.append({"stage": f"build {name}" + (f" (without {part})" if part else ""),
                           "seconds": seconds - apart, "rows": len(rows[name])})
            if part:
                stages.append({"stage": f"build {name}: {part}", "seconds": apart})
            rows[name] = []  # what the server would not hold either
    finally:
        lists_module.Allowlist.shared_approvals = shared_approvals
        watchlist_module.NameIndex = name_index
    del rows

    engine = ScreeningEngine(policies)
    with stage("decision-log resume") as detail:
        screener = CallScreener.resume(engine, decisions, policies.history_seconds)
        detail["attempts"] = len(screener.recent)
    with stage("gRPC server: build, bind, start"):
        server = GrpcServer(screener, settings.workers)
        server.bind("127.0.0.1:0")
        server.start()
    server.stop(0)

    profiler = None
    if args.profile:
        import cProfile
        profiler = cProfile.Profile()
    with stage("whole Store.snapshot() (for comparison)" + (", under cProfile" if profiler else "")):
        if profiler:
            profiler.enable()
        snapshot = store.snapshot()
        if profiler:
            profiler.disable()
    engine.swap(snapshot)
    if profiler:
        import pstats
        profiler.dump_stats(args.profile)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    store.close()
    decisions.close()
    json.dump({"code": screening.__file__, "stages": stages}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
