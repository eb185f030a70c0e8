"""Wires the pieces together: settings -> store, engine, reloader, server."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import socket
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from screening import __version__
from screening.adapters.grpc.auth import AuthInterceptor, ClientMetrics
from screening.adapters.grpc.metrics_interceptor import GrpcServerMetrics
from screening.adapters.grpc.server import SERVICE_NAME, GrpcServer
from screening.adapters.grpc.tls import TlsError, TlsFiles, server_credentials
from screening.config import ConfigError, Settings
from screening.domain.behaviour import RecentCalls
from screening.domain.engine import ScreeningEngine
from screening.adapters.metrics import MeteredDecisionLog, MeteredScreener, ScreeningMetrics
from screening.service.alerts import AlertRulesLoader
from screening.service.clients import anonymous
from screening.service.feed import DecisionFeed
from screening.service.periodic import Periodic
from screening.service.reloader import ListReloader
from screening.service.retention import DecisionPruner
from screening.service.screener import CallScreener
from screening.adapters.database import is_postgres_url, open_store, sqlite_path
from screening.adapters.postgres.urls import shown
from screening.adapters.sqlite.decision_log import SqliteDecisionLog
from screening.service.log_watch import LogWatch
from screening.service.ports import DecisionLog, LogHealth, Store

log = logging.getLogger("screening")
# The health service's name for the decision log's database: NOT_SERVING
# while it is away (the replica spools and still answers).
DECISION_LOG_HEALTH = "screening.decision_log"
# Seconds between checks that the feed's hot-number rules are at the store's
# list version; the reloader's loads bring them sooner, this covers a failed read.
ALERT_RULES_RETRY = 5.0


def build_checker(settings: Settings, store: Store, at: float | None = None) -> tuple[ScreeningEngine, RecentCalls]:
    """For the CLI's offline check: an engine with the lists loaded now, and
    the recent calls of the decision log, read but never written. `at`
    (Unix seconds) screens as of another moment: calling hours, expiries and
    the behavioural rules' windows see that time, and no attempt after it."""
    policies = settings.policies()
    now = time.time() if at is None else at
    engine = ScreeningEngine(policies, clock=lambda: now)
    engine.swap(store.snapshot())
    recent = RecentCalls(policies.history_seconds)
    if shared_decision_log(settings) or decision_log_path(settings).exists():
        with open_decision_log(settings, mode="ro") as decisions:
            for attempt in decisions.attempts_since(now - recent.horizon):
                if attempt.at <= now:
                    recent.add(attempt)
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
    watch: LogWatch | None = None
    feed: DecisionFeed | None = None
    alert_rules: Periodic | None = None
    port: int = 0
    metrics_port: int = 0
    stopping: bool = False
    load_seconds: float = 0.0  # the lists' first load, for the startup line

    def log_health(self, health: LogHealth) -> None:
        """Metrics, and health: a replica refusing calls says NOT_SERVING so
        that the load balancer sends them to another."""
        self.metrics.log_health(health)
        if not self.stopping:
            self.server.set_serving(not health.failing_closed)
            self.server.set_detail(DECISION_LOG_HEALTH, health.reachable)

    def stop(self, grace: float, delay: float = 0.0) -> None:
        """delay: seconds of NOT_SERVING, still answering, before the port
        closes, so that balancers and probes see it and send calls elsewhere."""
        self.stopping = True
        self.server.set_serving(False)
        if delay > 0:
            time.sleep(delay)
        if self.watch is not None:
            self.watch.stop()
        if self.feed is not None:
            self.feed.close()  # monitoring streams end now (UNAVAILABLE), not after the grace
        if self.alert_rules is not None:
            self.alert_rules.stop()
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
        decisions = open_decision_log(settings)
        on_failure.callback(decisions.close)
        metrics = ScreeningMetrics()
        engine = ScreeningEngine(policies)
        feed, alert_rules = _feed(settings, store, metrics)
        reloader = ListReloader(store, engine, settings.reload_interval,
                                # The rules first: the list version exported means they are in use.
                                on_loaded=lambda snapshot, seconds: (alert_rules.load(snapshot.version),
                                                                     metrics.lists_loaded(snapshot, seconds)),
                                on_failed=metrics.reload_failed)
        screener = CallScreener(engine, MeteredDecisionLog(decisions, metrics), RecentCalls(policies.history_seconds),
                                on_decided=feed.publish)
        server = GrpcServer(MeteredScreener(screener, metrics), settings.workers, feed,
                            GrpcServerMetrics(metrics.registry), _auth(settings, metrics))
        service = Service(store, decisions, engine, reloader, server, metrics, feed=feed)
        service.port = server.bind(settings.listen, _credentials(settings))
        if settings.metrics_listen:
            host, port = split_address(settings.metrics_listen)
            service.metrics_port = metrics.serve(host, port)
        check_authentication(settings, service.port)  # after the ports: one taken is said first, as before
        server.start()
        loading = time.perf_counter()
        reloader.load()
        service.load_seconds = time.perf_counter() - loading
        # The recent calls after the lists: millions of objects build faster
        # on a heap without a day of attempts. A call that comes meanwhile
        # waits for them, one that came before the lists got UNAVAILABLE.
        screener.resume_windows()
        server.set_serving(True)
        reloader.start()
        # What covers a failed read of the hot numbers: the reloader tells of changes only.
        service.alert_rules = Periodic("alert-rules", ALERT_RULES_RETRY,
                                       lambda: alert_rules.load(store.list_version()))
        service.alert_rules.start()
        if shared_decision_log(settings):
            server.set_detail(DECISION_LOG_HEALTH, True)  # it was just opened
            service.watch = LogWatch(screener, decisions, on_health=service.log_health)
            service.watch.start()
        if settings.decision_retention_days:
            service.pruner = DecisionPruner(decisions, settings.decision_retention_days,
                                            on_pruned=metrics.decisions_pruned.inc)
            service.pruner.start()
        on_failure.pop_all()
    return service


def _feed(settings: Settings, store: Store, metrics: ScreeningMetrics) -> tuple[DecisionFeed, AlertRulesLoader]:
    """The monitoring feed, metered, and what keeps its hot-number rules current."""
    feed = DecisionFeed(settings.feed_buffer_events, settings.feed_subscriber_buffer, settings.feed_max_subscribers,
                        on_published=metrics.feed_published, on_cut_off=metrics.feed_dropped.inc)
    metrics.feed_subscribers.set_function(lambda: len(feed))
    return feed, AlertRulesLoader(store, feed.set_rules)


def _credentials(settings: Settings):
    if not settings.tls_cert:
        return None
    try:
        return server_credentials(TlsFiles(settings.tls_cert, settings.tls_key, settings.tls_client_ca))
    except TlsError as error:
        raise ConfigError(str(error)) from None


def _auth(settings: Settings, metrics: ScreeningMetrics) -> AuthInterceptor:
    clients = settings.known_clients()
    return AuthInterceptor(clients, anonymous(settings.client_max_in_flight, settings.client_max_calls_per_second),
                           SERVICE_NAME, ClientMetrics(metrics.registry, clients.all))


def check_authentication(settings: Settings, port: int) -> None:
    """Refuse to serve calls from anyone unless told to; warn when told to.
    Mutual TLS is authentication of its own: the client CA vouches for the caller."""
    clients, host = settings.known_clients(), settings.listen.rpartition(":")[0].strip("[]")
    if not clients and not settings.tls_client_ca:
        if not settings.allow_unauthenticated:
            raise ConfigError(
                f"no [clients.NAME] configured and no client certificates required: anyone who can reach "
                f"{settings.listen} could screen calls for every facility. Configure clients (see `screening "
                "clients token`), or set allow_unauthenticated = true (SCREENING_ALLOW_UNAUTHENTICATED=1, "
                "--allow-unauthenticated) to serve that way")
        log.warning("allow_unauthenticated: no clients configured: anyone who can reach %s:%d may screen calls "
                    "for every facility", settings.listen.rpartition(":")[0], port)
    elif not clients:
        log.warning("no [clients.NAME] configured: every client with a certificate from tls_client_ca may screen "
                    "calls for every facility and watch decisions")
    for client in clients.all:
        if client.token_sha256 and not settings.tls_cert and not _loopback(host):
            raise ConfigError(f"[clients.{client.name}] token_sha256: a bearer token would cross the network in "
                              f"clear text to {settings.listen}: set tls_cert and tls_key, or listen on loopback")
        if client.certificate_names and not client.token_sha256 and not settings.tls_client_ca:
            raise ConfigError(f"[clients.{client.name}] certificate_names: no client can present a certificate "
                              "without mutual TLS: set tls_client_ca (and tls_cert, tls_key), or a token_sha256")


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def describe_transport(settings: Settings) -> str:
    """TLS or not, and who may call: the startup line's `transport`."""
    parts = ["TLS"] if settings.tls_cert else ["plaintext"]
    if settings.tls_client_ca:
        parts.append("client certificates required")
    clients = settings.known_clients()
    if clients:
        parts.append(f"{len(clients.all)} client{'s' if len(clients.all) != 1 else ''}")
    elif not settings.tls_client_ca:
        parts.append("unauthenticated")
    return ", ".join(parts)


def shared_decision_log(settings: Settings) -> bool:
    """Whether the decision log is PostgreSQL's: shared by replicas, spooled when away."""
    return is_postgres_url(settings.decision_log or settings.database)


def open_decision_log(settings: Settings, mode: str = "rwc", answering: bool = True) -> DecisionLog:
    """The decision log the settings name: PostgreSQL (decision_log, or the
    database when that is PostgreSQL) or a SQLite file. answering=False: a
    log that is read or pruned but takes no answers (the CLI's), so on
    PostgreSQL it opens no spool, which the server may hold."""
    if not shared_decision_log(settings):
        return SqliteDecisionLog(decision_log_path(settings), mode=mode)
    from screening.adapters.postgres.decision_log import PostgresDecisionLog

    return PostgresDecisionLog(settings.decision_log or settings.database, mode=mode,
                               replica=settings.replica or f"{socket.gethostname()}-{os.getpid()}",
                               spool_path=settings.decision_spool, spool_max_decisions=settings.spool_max_decisions,
                               spool_max_age_seconds=settings.spool_max_age_seconds, answering=answering)


def decision_log_path(settings: Settings) -> Path:
    """The decision log's SQLite file: `decision_log`, or beside the lists'
    database as <name>-decisions.db."""
    if settings.decision_log:
        return Path(settings.decision_log)
    path = Path(sqlite_path(settings.database))
    return path.with_name(f"{path.stem}-decisions{path.suffix or '.db'}")


def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then drain and stop."""
    # Blocked before any thread starts (threads inherit the mask), then taken
    # with sigwait: a handler that set an Event could deadlock on the Event's
    # own lock if the signal landed while the main thread held it.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    service = start_service(settings)
    if service.metrics_port:
        log.info("metrics on http://%s:%d/metrics", split_address(settings.metrics_listen)[0], service.metrics_port)
    # Logged last: process supervisors and the tests wait for this line.
    log.info("listening on %s:%d (%s)", settings.listen.rsplit(":", 1)[0], service.port, describe_transport(settings),
             extra=started_fields(settings, service))
    signal.sigwait(stop_signals)
    log.info("shutting down: NOT_SERVING for %.1f s, then draining calls for up to %.1f s",
             settings.shutdown_delay_seconds, settings.grace_seconds)
    service.stop(settings.grace_seconds, settings.shutdown_delay_seconds)
    log.info("stopped")


def started_fields(settings: Settings, service: Service) -> dict:
    """The startup line's fields: what runs, on what, with which lists."""
    snapshot = service.engine.snapshot
    shared = shared_decision_log(settings)
    return {
        "event": "started", "version": __version__, "port": service.port, "metrics_port": service.metrics_port,
        "transport": describe_transport(settings),
        "store": shown(settings.database) if is_postgres_url(settings.database) else sqlite_path(settings.database),
        "decision_log": shown(settings.decision_log or settings.database) if shared
        else str(decision_log_path(settings)),
        "config": settings.config_file or None,
        "facility_overrides": {facility: sorted(keys) for facility, keys in settings.facilities.items()},
        "list_version": snapshot.version, "lists": snapshot.counts(), "load_seconds": round(service.load_seconds, 3),
    }


def split_address(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{address!r} is not HOST:PORT")
    return host.strip("[]") or "0.0.0.0", int(port)
