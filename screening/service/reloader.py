"""Keeps the engine's lists current: polls the store's list version and swaps
in a freshly loaded snapshot when it changes.

A failed load leaves the lists in use as they were (the old version keeps
answering) and is retried on the next tick.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from screening.domain.engine import ScreeningEngine
from screening.domain.lists import ListSnapshot
from screening.service.periodic import Periodic
from screening.service.ports import Store

log = logging.getLogger(__name__)


class ListReloader:
    def __init__(self, store: Store, engine: ScreeningEngine, interval: float,
                 on_loaded: Callable[[ListSnapshot, float], None] = lambda s, t: None,
                 on_failed: Callable[[], None] = lambda: None):
        self._store = store
        self._engine = engine
        self._on_loaded = on_loaded
        self._on_failed = on_failed
        self._periodic = Periodic("list-reloader", interval, self.check)

    def load(self) -> ListSnapshot:
        """Load the lists now and swap them in."""
        started = time.perf_counter()
        snapshot = self._store.snapshot()
        self._engine.swap(snapshot)
        seconds = time.perf_counter() - started
        self._on_loaded(snapshot, seconds)
        log.info("lists loaded: version %d, %s, in %.3f s", snapshot.version,
                 ", ".join(f"{n} {c}" for n, c in snapshot.counts().items()), seconds)
        return snapshot

    def check(self) -> bool:
        """Reload if the store has a newer version; True when it did."""
        current = self._engine.snapshot
        try:
            if current is not None and self._store.list_version() == current.version:
                return False
            self.load()
            return True
        except Exception:
            log.exception("list reload failed; still answering from version %s",
                          current.version if current else "none")
            self._on_failed()
            return False

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
