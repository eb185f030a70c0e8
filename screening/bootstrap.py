"""Wires the pieces together: settings -> store, engine, reloader, server."""

from __future__ import annotations

import logging
import signal
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from screening.adapters.grpc.server import GrpcServer
from screening.adapters.grpc.tls import TlsError, TlsFiles, server_credentials
from screening.config import ConfigError, Settings
from screening.domain.behaviour import RecentCalls
from screening.domain.engine import ScreeningEngine
from screening.adapters.metrics import MeteredDecisionLog, MeteredScreener, ScreeningMetrics
from screening.service.reloader import ListReloader
from screening.service.retention import DecisionPruner
from screening.service.screener import CallScreener
from screening.adapters.database import open_store, sqlite_path
from screening.adapters.postgres.urls import is_postgres_url
from screening.service.ports import Store, StoreError
from screening.adapters.sqlite.decision_log import SqliteDecisionLog
from screening.service.ports import DecisionLog

log = logging.getLogger("screening")


def build_checker(settings: Settings, store: Store) -> tuple[ScreeningEngine, RecentCalls]:
    """For the CLI's offline check: an engine with the lists loaded now, and
    the recent calls of the decision log, read but never written."""
    policies = settings.policies()
    engine = ScreeningEngine(policies)
    engine.swap(store.snapshot())
    recent = RecentCalls(policies.history_seconds)
    path = decision_log_path(settings)
    if path is not None and path.exists():
        decisions = SqliteDecisionLog(path, mode="ro")
        try:
            for attempt in decisions.attempts_since(time.time() - recent.horizon):
                recent.add(attempt)
        finally:
            decisions.close()
    return engine, recent


@dataclass
class Service:
    store: Store
    decisions: DecisionLog
    engine: ScreeningEngine
    reloader: ListReloader
    server: GrpcServer
    metrics: ScreeningMetrics
    pruner: DecisionPruner | None = None
    port: int = 0
    metrics_port: int = 0

    def stop(self, grace: float) -> None:
        self.server.stop(grace)
        self.reloader.stop()
        if self.pruner is not None:
            self.pruner.stop()
        self.store.close()
        self.decisions.close()


def start_service(settings: Settings) -> Service:
    """Open the store and the decision log, load the lists, start serving;
    returns once listening."""
    policies = settings.policies()
    with ExitStack() as on_failure:
        store = open_store(settings.database)
        on_failure.callback(store.close)
        decisions = SqliteDecisionLog(required_decision_log_path(settings))
        on_failure.callback(decisions.close)
        metrics = ScreeningMetrics()
        engine = ScreeningEngine(policies)
        reloader = ListReloader(store, engine, settings.reload_interval,
                                on_loaded=metrics.lists_loaded, on_failed=metrics.reload_failed)
        screener = CallScreener(engine, MeteredDecisionLog(decisions, metrics), RecentCalls(policies.history_seconds))
        server = GrpcServer(MeteredScreener(screener, metrics), settings.workers)
        service = Service(store, decisions, engine, reloader, server, metrics)
        service.port = server.bind(settings.listen, _credentials(settings))
        if settings.metrics_listen:
            host, port = split_address(settings.metrics_listen)
            service.metrics_port = metrics.serve(host, port)
        server.start()
        reloader.load()
        # The recent calls after the lists: millions of objects build faster
        # on a heap without a day of attempts. A call that comes meanwhile
        # waits for them, one that came before the lists got UNAVAILABLE.
        screener.resume_windows()
        server.set_serving(True)
        reloader.start()
        if settings.decision_retention_days:
            service.pruner = DecisionPruner(decisions, settings.decision_retention_days,
                                            on_pruned=metrics.decisions_pruned.inc)
            service.pruner.start()
        on_failure.pop_all()
    return service


def _credentials(settings: Settings):
    if not settings.tls_cert:
        return None
    try:
        return server_credentials(TlsFiles(settings.tls_cert, settings.tls_key, settings.tls_client_ca))
    except TlsError as error:
        raise ConfigError(str(error)) from None


def describe_transport(settings: Settings) -> str:
    if not settings.tls_cert:
        return "plaintext"
    return "TLS, client certificates required" if settings.tls_client_ca else "TLS"


def decision_log_path(settings: Settings) -> Path | None:
    """The decision log's SQLite file: `decision_log`, or beside the lists'
    database as <name>-decisions.db; None for lists in PostgreSQL without
    `decision_log` (a URL has no folder to put a file beside)."""
    if settings.decision_log:
        return Path(settings.decision_log)
    if is_postgres_url(settings.database):
        # TODO(open_decision_log): the decision log in PostgreSQL, beside the
        # lists (adapters/postgres/decision_log.py, opened by open_decision_log).
        return None
    path = Path(sqlite_path(settings.database))
    return path.with_name(f"{path.stem}-decisions{path.suffix or '.db'}")


def required_decision_log_path(settings: Settings) -> Path:
    """decision_log_path, for what cannot do without one (serving, pruning)."""
    path = decision_log_path(settings)
    if path is None:
        # TODO(open_decision_log): open the PostgreSQL decision log instead.
        raise StoreError("the decision log cannot be kept in PostgreSQL yet; set decision_log "
                         "(or SCREENING_DECISION_LOG) to a SQLite file")
    return path


def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then drain and stop."""
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    service = start_service(settings)
    if service.metrics_port:
        log.info("metrics on http://%s:%d/metrics", split_address(settings.metrics_listen)[0], service.metrics_port)
    # Logged last: process supervisors and the tests wait for this line.
    log.info("listening on %s:%d (%s)", settings.listen.rsplit(":", 1)[0], service.port, describe_transport(settings))
    stopping.wait()
    log.info("shutting down: draining calls for up to %.1f s", settings.grace_seconds)
    service.stop(settings.grace_seconds)
    log.info("stopped")


def split_address(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{address!r} is not HOST:PORT")
    return host.strip("[]") or "0.0.0.0", int(port)
