"""Refused calls in the log, without letting a scanner fill it.

Every refusal is counted (screening_client_denied_total); the log gets the
first of each (client, reason) in a window of `every` seconds, and the next
line it writes for that pair says how many it left out meanwhile. The pairs
are the configured clients and "unknown" times a fixed list of reasons, so
what is kept here stays small whatever arrives on the wire.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

DEFAULT_EVERY_SECONDS = 10.0


class RefusalLog:
    def __init__(self, logger: logging.Logger, every: float = DEFAULT_EVERY_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self._logger, self._every, self._clock = logger, every, clock
        self._lock = threading.Lock()
        self._logged_at: dict[tuple[str, str], float] = {}
        self._left_out: dict[tuple[str, str], int] = {}

    def refused(self, client: str, reason: str, message: str) -> None:
        key = (client, reason)
        now = self._clock()
        with self._lock:
            logged_at = self._logged_at.get(key)
            if logged_at is not None and now - logged_at < self._every:
                self._left_out[key] = self._left_out.get(key, 0) + 1
                return
            self._logged_at[key] = now
            left_out = self._left_out.pop(key, 0)
        since = (f" ({left_out} more refused for {reason} since the last line, not logged one by one)"
                 if left_out else "")
        self._logger.warning("refused a call: %s%s", message, since,
                             extra={"client": client, "reason": reason, "not_logged": left_out})
