"""Prometheus metrics: what operators watch.

Each process gets its own registry (with the process and platform
collectors), so several servers in one test process do not collide.
"""

from __future__ import annotations

import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    start_http_server,
)

from screening.adapters.listening import cannot_listen, joined
from screening.domain.behaviour import Attempt
from screening.domain.errors import InvalidRequest, ListsNotLoaded
from screening.domain.lists import ListSnapshot
from screening.domain.model import Decision, Reason, ScreenRequest, Screening
from screening.service.call_prints import CallIdConflict, CallPrint, Logged
from screening.service.ports import PRUNE_BATCH, DecisionLog, DecisionQuery, LogHealth, LogUnavailable

# Screening itself takes tens of microseconds; the buckets resolve that range.
_LATENCY_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1)


class ScreeningMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        if registry is None:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
        r = self.registry
        self.decisions = Counter("screening_decisions", "Calls screened, by decision.", ["decision"], registry=r)
        self.findings = Counter("screening_findings", "Findings in screening answers, by reason.", ["reason"],
                                registry=r)
        self.errors = Counter("screening_request_errors", "Screen requests not answered, by cause.", ["cause"],
                              registry=r)
        self.latency = Histogram("screening_screen_duration_seconds", "Time the service spent deciding one call.",
                                 buckets=_LATENCY_BUCKETS, registry=r)
        self.log_writes = Histogram("screening_decision_log_write_seconds",
                                    "Time to write one answered call to the decision log.",
                                    buckets=_LATENCY_BUCKETS, registry=r)
        self.list_version = Gauge("screening_list_version", "Version of the lists in use.", registry=r)
        self.list_entries = Gauge("screening_list_entries", "Entries in the lists in use.", ["list"], registry=r)
        self.list_loaded = Gauge("screening_list_loaded_timestamp_seconds",
                                 "When the lists in use were loaded (Unix time).", registry=r)
        self.list_overlay = Gauge("screening_list_overlay_entries",
                                  "Changes held beside the compact lists since they were last built whole.",
                                  registry=r)
        self.reloads = Counter("screening_list_reloads", "List reloads, by result.", ["result"], registry=r)
        self.decisions_pruned = Counter("screening_decisions_pruned",
                                        "Decisions deleted from the decision log by its retention.", registry=r)
        self.reload_duration = Gauge("screening_list_reload_duration_seconds",
                                     "How long the last successful list load took.", registry=r)
        self.log_reachable = Gauge("screening_decision_log_reachable",
                                   "1 when the decision log's database answered its last write or probe.", registry=r)
        self.log_unreachable = Gauge("screening_decision_log_unreachable_seconds",
                                     "Seconds since the decision log's database last answered; 0 while it does.",
                                     registry=r)
        self.spooled = Gauge("screening_decision_spool_decisions",
                             "Answered decisions in the local spool, waiting for the database.", registry=r)
        self.spool_bytes = Gauge("screening_decision_spool_bytes", "Size of the local decision spool.", registry=r)
        self.spool_age = Gauge("screening_decision_spool_oldest_seconds",
                               "Age of the oldest decision in the local spool; 0 when it is empty.", registry=r)
        self.failing_closed = Gauge("screening_decision_log_failing_closed",
                                    "1 when calls are refused (UNAVAILABLE): the spool is past its bound.",
                                    registry=r)
        self.call_id_conflicts = Counter("screening_call_id_conflicts",
                                         "Calls refused (ALREADY_EXISTS): their call_id was used before for another "
                                         "call.", registry=r)
        self.log_reachable.set(1)
        self._feed_metrics(r)
        # Label children bound once: .labels() on every call costs more than the count.
        self._decision = {d: self.decisions.labels(d.name.lower()) for d in Decision}
        self._reason = {r_: self.findings.labels(r_.name.lower()) for r_ in Reason}

    def _feed_metrics(self, r: CollectorRegistry) -> None:
        """The monitoring feed's (service.feed): consoles, events, alerts, consoles cut off."""
        self.feed_subscribers = Gauge("screening_feed_subscribers", "Monitoring consoles watching the feed now.",
                                      registry=r)
        self.feed_events = Counter("screening_feed_events", "Decisions published on the monitoring feed.",
                                   registry=r)
        self.feed_alerts = Counter("screening_feed_alerts", "Hot-number alerts on the monitoring feed.", registry=r)
        self.feed_dropped = Counter("screening_feed_dropped_subscribers",
                                    "Monitoring consoles cut off for falling behind.", registry=r)

    def feed_published(self, event) -> None:
        self.feed_events.inc()
        if event.alerts:
            self.feed_alerts.inc(len(event.alerts))

    def observe(self, screening: Screening, seconds: float) -> None:
        self._decision[screening.decision].inc()
        for finding in screening.findings:
            self._reason[finding.reason].inc()
        self.latency.observe(seconds)

    def lists_loaded(self, snapshot: ListSnapshot, seconds: float) -> None:
        self.reloads.labels("success").inc()
        self.reload_duration.set(seconds)
        self.list_version.set(snapshot.version)
        self.list_overlay.set(snapshot.overlay_size())
        self.list_loaded.set(time.time())
        for name, count in snapshot.counts().items():
            self.list_entries.labels(name).set(count)

    def reload_failed(self) -> None:
        self.reloads.labels("failure").inc()

    def log_health(self, health: LogHealth) -> None:
        now = time.time()
        self.log_reachable.set(int(health.reachable))
        away = 0.0 if health.reachable or health.last_reachable is None else now - health.last_reachable
        self.log_unreachable.set(max(away, 0.0))
        self.spooled.set(health.spooled)
        self.spool_bytes.set(health.spool_bytes)
        self.spool_age.set(0.0 if health.spool_oldest is None else max(now - health.spool_oldest, 0.0))
        self.failing_closed.set(int(health.failing_closed))

    def serve(self, host: str, port: int) -> int:
        """Start the /metrics HTTP endpoint; returns the port it listens on."""
        try:
            server, _thread = start_http_server(port, addr=host, registry=self.registry)
        except OSError as error:
            raise cannot_listen(joined(host, port), error) from None
        return server.server_port


class MeteredDecisionLog(DecisionLog):
    """The decision log, its writes timed: the part of a decision that is I/O."""

    def __init__(self, log: DecisionLog, metrics: ScreeningMetrics):
        self._log = log
        self._observe = metrics.log_writes.observe

    def append(self, request: ScreenRequest, screening: Screening, call: CallPrint) -> Logged:
        started = time.perf_counter()
        try:
            return self._log.append(request, screening, call)
        finally:
            self._observe(time.perf_counter() - started)

    def find(self, facility_id: str, call_id: str) -> Logged | None:
        return self._log.find(facility_id, call_id)

    def call_key(self) -> bytes:
        return self._log.call_key()

    def attempts_since(self, since: float):
        return self._log.attempts_since(since)

    def prune(self, before: float, archive=None, batch: int = PRUNE_BATCH) -> int:
        return self._log.prune(before, archive, batch)

    def count_before(self, before: float) -> int:
        return self._log.count_before(before)

    def search(self, query: DecisionQuery):
        return self._log.search(query)

    def called_names(self) -> list[str]:
        return self._log.called_names()

    def attempts_by_others(self) -> list[Attempt]:
        return self._log.attempts_by_others()

    def health(self) -> LogHealth:
        return self._log.health()

    def close(self) -> None:
        self._log.close()


class MeteredScreener:
    """The engine, measured: same .screen(), with metrics on every call."""

    def __init__(self, engine, metrics: ScreeningMetrics):
        self._engine = engine
        self._metrics = metrics

    def screen(self, request: ScreenRequest) -> Screening:
        started = time.perf_counter()
        try:
            screening = self._engine.screen(request)
        except InvalidRequest:
            self._metrics.errors.labels("invalid_request").inc()
            raise
        except ListsNotLoaded:
            self._metrics.errors.labels("lists_not_loaded").inc()
            raise
        except LogUnavailable:
            self._metrics.errors.labels("decision_log_unavailable").inc()
            raise
        except CallIdConflict:
            self._metrics.errors.labels("call_id_conflict").inc()
            self._metrics.call_id_conflicts.inc()
            raise
        except Exception:
            self._metrics.errors.labels("internal").inc()
            raise
        self._metrics.observe(screening, time.perf_counter() - started)
        return screening
