"""A progress line on the terminal while a search reads: "N decisions found,
at <time of the last>", redrawn every half second, gone at the end.

Only when stderr is a terminal: piped or redirected output never gets one.
When the results stream to the same terminal, the line is cleared before
each result is written and drawn again after, so it never lands inside one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

INTERVAL = 0.5  # seconds between redraws
_CLEAR = "\r\033[K"  # back to the line's start, erase to its end


def with_progress(decisions: Iterable[dict[str, Any]], stream: TextIO | None = None) -> Iterator[dict[str, Any]]:
    """The decisions, unchanged, with the progress line drawn on `stream`
    (stderr) if it is a terminal: first once the first decision is in,
    then every INTERVAL seconds, each time before the next is read (the
    read is what takes long); erased when done (or abandoned)."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield from decisions
        return
    # Results written to this terminal too: the line goes before each.
    shared = sys.stdout.isatty()
    count, shown, due, last = 0, False, 0.0, None
    found = iter(decisions)
    try:
        while True:
            if last is not None and time.monotonic() >= due:
                sys.stdout.flush()  # the results written so far go before the line
                stream.write(f"{_CLEAR}{_line(count, last)}")
                stream.flush()
                shown, due = True, time.monotonic() + INTERVAL
            last = next(found, None)
            if last is None:
                return
            count += 1
            if shown and shared:
                stream.write(_CLEAR)
                stream.flush()
                shown = False
            yield last
    finally:
        if shown:
            stream.write(_CLEAR)
            stream.flush()


def _line(count: int, decision: dict[str, Any]) -> str:
    when = datetime.fromtimestamp(decision["at"]).astimezone().isoformat(timespec="seconds")
    return f"{count:,} decision{'' if count == 1 else 's'} found, at {when}"
