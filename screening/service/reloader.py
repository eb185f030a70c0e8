"""Keeps the engine's lists current: checks the store's list version when
the store says the lists may have changed (PostgreSQL's NOTIFY) or every
`interval` seconds (the polling that covers a lost notification and a store
that sends none) and, when it changed, applies the changes since the
version in use.

A change of a few entries is read from the change log and applied as an
overlay beside the compact lists (domain.overlay): answered within the next
poll, with memory growing by what the overlay holds. A very large change (a
million-row import), a change the log cannot explain, or an overlay grown
past its bound is rebuilt whole instead, in a background thread, while the
lists in use go on answering; the rebuilt lists are brought up to date with
the changes made meanwhile before they are swapped in. Every swap is one
reference assignment: a call in flight finishes on the lists it started with.

A failed load leaves the lists in use as they were and is retried, with
backoff while the store stays away (up to MAX_BACKOFF): the first failure
is logged in full, the rest in a line, and the recovery says how long the
store was away.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from screening.domain.engine import ScreeningEngine
from screening.domain.errors import IncompleteDelta
from screening.domain.lists import ListSnapshot
from screening.domain.overlay import apply_delta
from screening.service.ports import Store

log = logging.getLogger(__name__)

# Rows a change may hold and still be applied as an overlay; more are
# rebuilt whole (an overlay of them would cost what a rebuild does).
MAX_DELTA_ROWS = 50_000
# Entries an overlay may hold before the lists are rebuilt with them as a new base.
MAX_OVERLAY = 100_000
# Longest a wait for the store's notice lasts before the reloader looks
# whether it is stopping: a long reload_interval does not hold up shutdown.
WAIT_SLICE = 1.0
# Longest wait between tries while the store is away: a change made when it
# is back arrives at most this late.
MAX_BACKOFF = 2.0


class ListReloader:
    def __init__(self, store: Store, engine: ScreeningEngine, interval: float,
                 on_loaded: Callable[[ListSnapshot, float], None] = lambda s, t: None,
                 on_failed: Callable[[], None] = lambda: None,
                 max_delta_rows: int = MAX_DELTA_ROWS, max_overlay: int = MAX_OVERLAY):
        self._store = store
        self._engine = engine
        self._on_loaded = on_loaded
        self._on_failed = on_failed
        self._max_delta_rows, self._max_overlay = max_delta_rows, max_overlay
        self._interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._rebuild: _Rebuild | None = None
        self._failing_since: float | None = None

    def load(self) -> ListSnapshot:
        """Load the lists whole now and swap them in."""
        started = time.perf_counter()
        snapshot = self._store.snapshot()
        self._swap(snapshot, started, "loaded")
        return snapshot

    def check(self) -> bool:
        """Bring the lists up to date; True when they changed."""
        current = self._engine.snapshot
        try:
            if self._take_rebuilt():
                return True
            if current is None:
                self.load()
                return True
            if self._store.list_version() == current.version:
                changed = False
            else:
                changed = self._apply_changes(current)
        except Exception as error:
            self._failed(current, error)
            return False
        self._recovered()
        return changed

    def wait_for_rebuild(self, timeout: float) -> bool:
        """Wait for a rebuild in the background to finish (tests, shutdown)."""
        rebuild = self._rebuild
        return rebuild is None or rebuild.done.wait(timeout)

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="list-reloader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop, and wait for a check in progress to finish."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stopping.is_set():
            if self._failing_since is None:
                self._wait_for_change()
            else:
                self._stopping.wait(self._backoff)
            if not self._stopping.is_set():
                self.check()

    def _wait_for_change(self) -> None:
        """Until the store says the lists changed, or `interval` passed, or stop()."""
        deadline = time.monotonic() + self._interval
        while not self._stopping.is_set() and (remaining := deadline - time.monotonic()) > 0:
            if self._store.wait_for_change(min(remaining, WAIT_SLICE)):
                return

    def _failed(self, current: ListSnapshot | None, error: Exception) -> None:
        version = current.version if current else "none"
        if self._failing_since is None:
            self._failing_since, self._backoff = time.monotonic(), self._interval
            log.exception("list reload failed; still answering from version %s", version)
        else:
            self._backoff = min(self._backoff * 2, max(MAX_BACKOFF, self._interval))
            log.warning("list reload failed again (%s); still answering from version %s, next try in %.1f s",
                        error, version, self._backoff)
        self._on_failed()

    def _recovered(self) -> None:
        if self._failing_since is not None:
            log.info("lists: the store answers again after %.1f s", time.monotonic() - self._failing_since)
            self._failing_since = None

    def _apply_changes(self, current: ListSnapshot) -> bool:
        started = time.perf_counter()
        delta = self._store.read_changes(current.version, self._max_delta_rows)
        if delta is None:
            self._rebuild_in_background("a large change")
            return False
        try:
            snapshot = apply_delta(current, delta)
        except IncompleteDelta as error:
            self._rebuild_in_background(f"a change the log does not say all of ({error})")
            return False
        self._swap(snapshot, started, f"updated by {len(delta)} changes")
        if snapshot.overlay_size() > self._max_overlay:
            self._rebuild_in_background(f"an overlay of {snapshot.overlay_size()} entries")
        return True

    def _rebuild_in_background(self, why: str) -> None:
        if self._rebuild is not None:
            return  # one at a time; it catches up with what changes meanwhile
        log.info("lists: %s, rebuilding them whole in the background", why)
        self._rebuild = _Rebuild(self._store)

    def _take_rebuilt(self) -> bool:
        """Swap in lists rebuilt in the background, once done, with the
        changes made since they were read."""
        rebuild = self._rebuild
        if rebuild is None or not rebuild.done.is_set():
            return False
        self._rebuild = None
        if rebuild.error is not None:
            raise rebuild.error
        snapshot, started = rebuild.snapshot, rebuild.started
        if self._store.list_version() != snapshot.version:
            delta = self._store.read_changes(snapshot.version, self._max_delta_rows)
            if delta is None:
                self._rebuild_in_background("a large change during the last rebuild")
                return False
            snapshot = apply_delta(snapshot, delta)
        self._swap(snapshot, started, "rebuilt")
        return True

    def _swap(self, snapshot: ListSnapshot, started: float, how: str) -> None:
        self._engine.swap(snapshot)
        seconds = time.perf_counter() - started
        self._on_loaded(snapshot, seconds)
        log.info("lists %s: version %d, %s, in %.3f s", how, snapshot.version,
                 ", ".join(f"{n} {c}" for n, c in snapshot.counts().items()), seconds)


class _Rebuild:
    """The lists built whole in a thread of their own."""

    def __init__(self, store: Store):
        self.started = time.perf_counter()
        self.snapshot: ListSnapshot | None = None
        self.error: Exception | None = None
        self.done = threading.Event()
        threading.Thread(target=self._run, args=(store,), name="list-rebuild", daemon=True).start()

    def _run(self, store: Store) -> None:
        try:
            self.snapshot = store.snapshot()
        except Exception as error:  # handed to the reloader's thread, which logs and counts it
            self.error = error
        finally:
            self.done.set()
