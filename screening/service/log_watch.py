"""Watches the decision log a few times a second, for a replica that shares
its database with others:

- brings the attempts other replicas answered into this one's behavioural
  windows (CallScreener.take_others), so that velocity, sequential dialing
  and shared numbers hold across replicas a poll apart;
- reports how the log stands (LogHealth) to the metrics and the health
  service, and logs each change of state once: the database going away
  (decisions spool locally), the spool past its bound (calls refused), the
  database back (the spool replayed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from screening.service.periodic import Periodic
from screening.service.ports import DecisionLog, LogHealth
from screening.service.screener import CallScreener

log = logging.getLogger(__name__)

# How often: the window in which a replica does not yet see another's
# attempt is about this, plus the other's commit.
INTERVAL = 0.2


class LogWatch:
    def __init__(self, screener: CallScreener, decisions: DecisionLog,
                 on_health: Callable[[LogHealth], None] = lambda health: None, interval: float = INTERVAL):
        self._screener, self._decisions, self._on_health = screener, decisions, on_health
        self._last = LogHealth()
        self._tail_failing = False
        self._periodic = Periodic("decision-log-watch", interval, self.tick)

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()

    def tick(self) -> None:
        self._take_others()
        health = self._decisions.health()
        self._report(self._last, health)
        self._last = health
        self._on_health(health)

    def _take_others(self) -> None:
        try:
            self._screener.take_others()
        except Exception as error:  # the database is away: the health below says so
            if not self._tail_failing:
                log.warning("cannot read other replicas' attempts (%s); retrying", error)
            self._tail_failing = True
        else:
            if self._tail_failing:
                log.info("reading other replicas' attempts again")
            self._tail_failing = False

    @staticmethod
    def _report(before: LogHealth, now: LogHealth) -> None:
        if before.reachable and not now.reachable:
            log.error("decision log: the database is unreachable; answered decisions go to the local spool")
        if not before.failing_closed and now.failing_closed:
            log.error("decision log: the spool is past its bound (%d decisions); refusing calls (UNAVAILABLE) "
                      "until the database is back", now.spooled)
        if before.failing_closed and not now.failing_closed:
            log.warning("decision log: the spool is within its bound again; answering calls")
        if not before.reachable and now.reachable:
            log.info("decision log: the database is reachable again; %d decisions still spooled", now.spooled)
        if before.spooled and not now.spooled:
            log.info("decision log: the spool is replayed and empty")
