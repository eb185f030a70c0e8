"""A progress line on the terminal while a long command works: a search's
"N decisions found, at <time of the last>", an import's "N rows read,
R rows/s, P % of S MiB", an export's "N rows written, R rows/s"; redrawn
every half second, gone at the end.

Only when stderr is a terminal: piped or redirected output never gets one.
When the items themselves go to the same terminal (a search's results, an
export to standard output), the line is cleared before each is written and
drawn again after, so it never lands inside one; any other line the command
writes meanwhile (an invalid row) goes through `print`, above it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

INTERVAL = 0.5  # seconds between redraws
_CLEAR = "\r\033[K"  # back to the line's start, erase to its end
_END = object()

# What the line says: (items so far, the last of them, seconds since the start) -> text.
Describe = Callable[[int, Any, float], str]


class ProgressLine:
    """A progress line on `stream` (stderr), if that is a terminal; a context
    that erases it at the end, however the command ends."""

    def __init__(self, describe: Describe, stream: TextIO | None = None, interleaved: bool = False):
        self._stream = stream or sys.stderr
        self._describe = describe
        self._interleaved = interleaved  # the items are written to this terminal too, one by one
        self.active = self._stream.isatty()
        self._shown = False
        self._start = time.monotonic()

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(self, *exc) -> None:
        self.clear()

    def over(self, items: Iterable) -> Iterator:
        """The items, unchanged, with the line drawn: first once the first is
        in, then every INTERVAL seconds, each time before the next is read
        (the read is what takes long); erased when done (or abandoned)."""
        if not self.active:
            yield from items
            return
        count, due, last = 0, 0.0, None
        found = iter(items)
        try:
            while True:
                if count and time.monotonic() >= due:
                    self.status(self._describe(count, last, time.monotonic() - self._start))
                    due = time.monotonic() + INTERVAL
                last = next(found, _END)
                if last is _END:
                    return
                count += 1
                if self._interleaved:
                    self.clear()
                yield last
        finally:
            self.clear()

    def status(self, text: str) -> None:
        """Draw `text` as the line now (the items written so far go before it)."""
        if self.active:
            sys.stdout.flush()
            self._stream.write(f"{_CLEAR}{text}")
            self._stream.flush()
            self._shown = True

    def print(self, text: str) -> None:
        """A line of its own on the stream, above the progress line (which
        the next redraw brings back)."""
        self.clear()
        print(text, file=self._stream, flush=True)

    def clear(self) -> None:
        if self._shown:
            self._stream.write(_CLEAR)
            self._stream.flush()
            self._shown = False


def with_progress(decisions: Iterable[dict[str, Any]], stream: TextIO | None = None) -> Iterator[dict[str, Any]]:
    """A search's decisions, with "N decisions found, at <time>" on stderr."""
    return ProgressLine(_found, stream, interleaved=sys.stdout.isatty()).over(decisions)


def _found(count: int, decision: dict[str, Any], seconds: float) -> str:
    when = datetime.fromtimestamp(decision["at"]).astimezone().isoformat(timespec="seconds")
    return f"{count:,} decision{'' if count == 1 else 's'} found, at {when}"


def rows_read(position: Callable[[], int], size: int | None) -> Describe:
    """An import's line: rows read, their rate, and how far into the file
    (`position()` bytes of `size`, when the size is known: not for a pipe)."""
    def describe(count: int, last: Any, seconds: float) -> str:
        done = f", {min(100, position() * 100 // size)} % of {_mib(size)}" if size else ""
        return f"{_rows(count, 'read', seconds)}{done}"
    return describe


def rows_written(count: int, last: Any, seconds: float) -> str:
    """An export's line."""
    return _rows(count, "written", seconds)


def _rows(count: int, done: str, seconds: float) -> str:
    # A rate over less than INTERVAL says more about the start than the run.
    rate = f", {count / seconds:,.0f} rows/s" if seconds >= INTERVAL else ""
    return f"{count:,} row{'' if count == 1 else 's'} {done}{rate}"


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB" if size >= 2**20 else f"{size / 2**10:,.1f} KiB"
