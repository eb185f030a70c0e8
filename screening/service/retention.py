"""Decision-log retention: the server deletes decisions older than the
configured number of days, at start and then every hour.

A batch at a time (see DecisionLog.prune), so calls being logged wait a few
milliseconds at most. Keeping an archive first is the CLI's job
(`screening decisions prune --archive`); the server only deletes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from screening.service.periodic import Periodic
from screening.service.ports import DecisionLog

log = logging.getLogger(__name__)

PRUNE_INTERVAL = 3600.0  # seconds between prunes


class DecisionPruner:
    def __init__(self, decisions: DecisionLog, retention_days: int, interval: float = PRUNE_INTERVAL,
                 on_pruned: Callable[[int], None] = lambda count: None, clock: Callable[[], float] = time.time):
        self._decisions = decisions
        self._retention = retention_days * 86400
        self._interval = interval
        self._on_pruned = on_pruned
        self._clock = clock
        self._periodic = Periodic("decision-pruner", interval, self.prune, at_start=True)

    def prune(self) -> int:
        """Delete what is older than the retention now; a failure is logged, and retried next time."""
        try:
            count = self._decisions.prune(self._clock() - self._retention)
        except Exception:
            log.exception("pruning the decision log failed; retrying in %.0f s", self._interval)
            return 0
        if count:
            self._on_pruned(count)
            log.info("decision log: deleted %d decisions older than %d days", count, self._retention // 86400)
        return count

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
