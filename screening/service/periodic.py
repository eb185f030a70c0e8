"""A task run in a background thread every `interval` seconds until stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Periodic:
    def __init__(self, name: str, interval: float, tick: Callable[[], object], at_start: bool = False):
        self._name, self._interval, self._tick, self._at_start = name, interval, tick, at_start
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop, and wait for a tick in progress to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        if self._at_start:
            self._tick()
        while not self._stop.wait(self._interval):
            self._tick()
