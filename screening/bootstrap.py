"""Wires the pieces together: settings -> store, engine, reloader, server."""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass

from screening.api.server import GrpcServer
from screening.config import Settings
from screening.domain.engine import ScreeningEngine
from screening.metrics import MeteredScreener, ScreeningMetrics
from screening.reloader import ListReloader
from screening.store import open_store
from screening.store.base import Store

log = logging.getLogger("screening")


def build_engine(settings: Settings, store: Store) -> ScreeningEngine:
    """An engine with the lists loaded now: for the CLI's offline check."""
    engine = ScreeningEngine(settings.policies())
    engine.swap(store.snapshot())
    return engine


@dataclass
class Service:
    store: Store
    engine: ScreeningEngine
    reloader: ListReloader
    server: GrpcServer
    metrics: ScreeningMetrics
    port: int = 0
    metrics_port: int = 0

    def stop(self, grace: float) -> None:
        self.server.stop(grace)
        self.reloader.stop()
        self.store.close()


def start_service(settings: Settings) -> Service:
    """Open the store, load the lists, start serving; returns once listening."""
    policies = settings.policies()
    store = open_store(settings.database)
    try:
        metrics = ScreeningMetrics()
        engine = ScreeningEngine(policies)
        reloader = ListReloader(store, engine, settings.reload_interval,
                                on_loaded=metrics.lists_loaded, on_failed=metrics.reload_failed)
        server = GrpcServer(MeteredScreener(engine, metrics), settings.workers)
        service = Service(store, engine, reloader, server, metrics)
        service.port = server.bind(settings.listen)
        if settings.metrics_listen:
            host, port = split_address(settings.metrics_listen)
            service.metrics_port = metrics.serve(host, port)
        server.start()
        reloader.load()
        server.set_serving(True)
        reloader.start()
    except BaseException:
        store.close()
        raise
    return service


def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then drain and stop."""
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    service = start_service(settings)
    if service.metrics_port:
        log.info("metrics on http://%s:%d/metrics", split_address(settings.metrics_listen)[0], service.metrics_port)
    # Logged last: process supervisors and the tests wait for this line.
    log.info("listening on %s:%d", settings.listen.rsplit(":", 1)[0], service.port)
    stopping.wait()
    log.info("shutting down: draining calls for up to %.1f s", settings.grace_seconds)
    service.stop(settings.grace_seconds)
    log.info("stopped")


def split_address(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{address!r} is not HOST:PORT")
    return host.strip("[]") or "0.0.0.0", int(port)
