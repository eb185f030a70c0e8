"""Millions of long-lived objects built with Python's cyclic garbage collector paused.

The collector runs whenever allocations outnumber deallocations by a
threshold, and collects its oldest generation, traversing every object it
tracks, each time that generation grew by a quarter. While the lists of a
national snapshot or a day of call attempts are built, it runs again and
again over an ever larger heap and finds nothing: these objects form no
cycles (they are freed by reference counting when a snapshot is dropped).
At national scale that was a third of the time the decision-log resume of a
million calls took (5.5 s), and 0.5 to 1 s of a snapshot's 15 s build
(benchmarks/bench_national.py).

paused(): the collector off while the block runs. Pauses nest and may
overlap (a reload in its thread, the CLI's check): the collector comes back
on when the last one ends, and only if it was on before the first. Cyclic
garbage made meanwhile by other threads is collected afterwards.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
