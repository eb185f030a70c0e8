"""The live monitoring feed: every decision this process makes, as it is
made, for the monitoring consoles (gRPC WatchDecisions).

The screener publishes a decision once it is durable in the decision log and
about to be answered; a retry that gets the earlier answer, and a decision
that could not be made durable, are not published. Each published decision
is one event with the next sequence number, kept in a ring of the newest
`buffer_events`, so a console that reconnects with the last sequence it saw
gets exactly the events after it (nothing missed, nothing twice), then live
ones.

Publishing never waits for a console: each subscription has a bounded
buffer, filled without blocking; one that is full is cut off (FellBehind,
naming the last sequence sent to it) and resumes from its cursor. The cost
to a call is a lock held for a filter check per console.

Sequences start, in each process, above every sequence an earlier process
could have sent (at the time it started, in microseconds): a console's
cursor from before a restart is refused as out of range, never taken for
another event.

A privileged call keeps its promise here too: its event carries no number,
no called party's name, and no finding detail (which names the number).
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from screening.domain.alerts import Alert, AlertRules
from screening.domain.errors import FieldViolation, InvalidRequest
from screening.domain.model import Decision, Finding, Reason, ScreenRequest, Screening

PRIVILEGED_DETAIL = "privileged call: the number is not shown"
MAX_FILTER_VALUES = 1000  # facilities, decisions or reasons one console may name
FACILITY_LIMIT = 64  # characters, as in ScreenCallRequest.facility_id


class FeedError(Exception):
    """A console's stream cannot go on, or start; the message says why."""


class CursorOutOfRange(FeedError):
    """after_sequence is older than the oldest event kept, or past the newest."""


class TooManyWatchers(FeedError):
    """As many consoles as the feed takes are watching already."""


class FellBehind(FeedError):
    """The console's buffer filled up: it was cut off, and resumes from its cursor."""


class FeedClosed(FeedError):
    """The server is stopping."""


@dataclass(frozen=True, slots=True)
class FeedEvent:
    sequence: int
    request: ScreenRequest
    screening: Screening
    alerts: tuple[Alert, ...] = ()


@dataclass(frozen=True)
class FeedFilter:
    """What one console asked for; each empty set means all. An alert is
    delivered whatever its decision and reasons, if its facility is wanted."""

    facilities: frozenset[str] = frozenset()
    decisions: frozenset[Decision] = frozenset()
    reasons: frozenset[Reason] = frozenset()

    def wants(self, event: FeedEvent) -> bool:
        if self.facilities and event.request.facility_id not in self.facilities:
            return False
        if event.alerts:
            return True
        screening = event.screening
        if self.decisions and screening.decision not in self.decisions:
            return False
        return not self.reasons or any(f.reason in self.reasons for f in screening.findings)


def feed_filter(facilities: Iterable[str] = (), decisions: Iterable[int] = (),
                reasons: Iterable[int] = ()) -> FeedFilter:
    """A filter from a request's values (wire enum numbers); InvalidRequest names each bad field."""
    facilities, decisions, reasons = list(facilities), list(decisions), list(reasons)
    violations = [FieldViolation(name, f"at most {MAX_FILTER_VALUES} values")
                  for name, values in (("facility_ids", facilities), ("decisions", decisions), ("reasons", reasons))
                  if len(values) > MAX_FILTER_VALUES]
    if any(not f or len(f) > FACILITY_LIMIT for f in facilities):
        violations.append(FieldViolation("facility_ids", f"each must be 1 to {FACILITY_LIMIT} characters"))
    violations += _enum_violations("decisions", Decision, decisions)
    violations += _enum_violations("reasons", Reason, reasons)
    if violations:
        raise InvalidRequest(violations)
    return FeedFilter(frozenset(facilities), frozenset(map(Decision, decisions)), frozenset(map(Reason, reasons)))


def _enum_violations(name: str, kind, values: list[int]) -> list[FieldViolation]:
    known = {int(member) for member in kind if member.value}
    bad = sorted({value for value in values if value not in known})
    return [FieldViolation(name, f"{value} is not a {kind.__name__.lower()} (UNSPECIFIED is not one either)")
            for value in bad]


def shown(request: ScreenRequest, screening: Screening) -> tuple[ScreenRequest, Screening]:
    """The call as a console may see it: a privileged one without its number,
    called party's name, or finding details."""
    if screening.record:
        return request, screening
    findings = tuple(Finding(f.reason, PRIVILEGED_DETAIL, f.effect, f.entry_id, f.score) for f in screening.findings)
    return (dataclasses.replace(request, dialed_number="", called_party_name=""),
            dataclasses.replace(screening, normalized_number="", findings=findings))


class DecisionFeed:
    def __init__(self, buffer_events: int = 100_000, subscriber_buffer: int = 1000, max_subscribers: int = 8,
                 first_sequence: int | None = None,
                 on_published: Callable[[FeedEvent], None] = lambda event: None,
                 on_cut_off: Callable[[], None] = lambda: None):
        self._ring: deque[FeedEvent] = deque(maxlen=buffer_events)
        self._capacity, self._max = subscriber_buffer, max_subscribers
        first = time.time_ns() // 1000 if first_sequence is None else first_sequence
        self._sequence = first - 1  # the newest sequence given; none yet
        self._first = first
        self._rules = AlertRules()
        self._subscribers: set[Subscription] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._on_published, self._on_cut_off = on_published, on_cut_off

    def __len__(self) -> int:
        """Consoles watching now."""
        return len(self._subscribers)

    def set_rules(self, rules: AlertRules) -> None:
        self._rules = rules  # one reference: a publish in flight keeps the rules it took

    def publish(self, request: ScreenRequest, screening: Screening) -> FeedEvent | None:
        """One decision made durable: the event sent to every console that
        wants it (None once closed). Never blocks on a console."""
        alerts = self._rules.match(request, screening)
        request, screening = shown(request, screening)
        with self._lock:
            if self._closed:
                return None
            self._sequence += 1
            event = FeedEvent(self._sequence, request, screening, alerts)
            self._ring.append(event)
            cut = [s for s in self._subscribers if s.wanted.wants(event) and not s._offer(event)]
            self._subscribers.difference_update(cut)
        self._on_published(event)
        for subscription in cut:
            subscription.on_cut_off()
            self._on_cut_off()
        return event

    def subscribe(self, wanted: FeedFilter = FeedFilter(), after_sequence: int = 0) -> Subscription:
        """A console's subscription: the kept events after `after_sequence`
        that it wants (none for 0: from now on), then live ones."""
        with self._lock:
            if self._closed:
                raise FeedClosed("the server is shutting down")
            if len(self._subscribers) >= self._max:
                raise TooManyWatchers(f"{self._max} consoles are watching already, as many as this server takes "
                                      "(feed_max_subscribers)")
            backlog = [e for e in self._kept_after(after_sequence) if wanted.wants(e)] if after_sequence else []
            subscription = Subscription(self, wanted, backlog, self._capacity, after_sequence or self._sequence)
            self._subscribers.add(subscription)
        return subscription

    def close(self) -> None:
        """End every stream (FeedClosed) and take no more: the server is stopping."""
        with self._lock:
            self._closed = True
            subscribers, self._subscribers = list(self._subscribers), set()
        for subscription in subscribers:
            subscription._end(_CLOSED)

    def _kept_after(self, after: int) -> Iterator[FeedEvent]:
        """The kept events after `after`, in the caller's lock; CursorOutOfRange
        when the events just after it are not kept or it is past the newest."""
        newest = self._sequence
        oldest = self._ring[0].sequence if self._ring else newest + 1
        if after > newest:
            raise CursorOutOfRange(f"after_sequence {after} is past the newest event, {newest} (this server process "
                                   f"started at sequence {self._first}; after a restart, resume with 0)")
        if after < oldest - 1:
            kept = f"the oldest kept is {oldest}, the newest {newest}" if self._ring else f"the newest is {newest}"
            raise CursorOutOfRange(f"after_sequence {after}: the events after it are no longer kept ({kept}); "
                                   "resume with 0 and look the gap up with 'screening decisions list'")
        return itertools.islice(self._ring, after - oldest + 1, None)

    def _unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)


_OPEN, _DONE, _CUT, _CLOSED = "open", "done", "cut off", "closed"


class Subscription:
    """One console's events: the kept ones it resumed with, then live ones
    through a bounded buffer. Iterate over it; close() from any thread (the
    console went away) ends it, and must be called when done with it."""

    def __init__(self, feed: DecisionFeed, wanted: FeedFilter, backlog: list[FeedEvent], capacity: int, cursor: int):
        self.wanted = wanted
        self.cursor = cursor  # the last sequence handed to the console (or where it started)
        self.on_cut_off: Callable[[], object] = lambda: None  # told, outside every lock, when it is cut off
        self._feed, self._capacity = feed, capacity
        self._backlog: deque[FeedEvent] = deque(backlog)
        self._live: deque[FeedEvent] = deque()
        self._state = _OPEN
        self._ready = threading.Condition(threading.Lock())

    def __iter__(self) -> Subscription:
        return self

    def __next__(self) -> FeedEvent:
        """The next event, in sequence order, waiting for it; StopIteration
        once closed; FellBehind when cut off; FeedClosed when the server stops."""
        event = self._next()
        if event is None:
            raise StopIteration
        self.cursor = event.sequence
        return event

    def close(self) -> None:
        self._end(_DONE)
        self._feed._unsubscribe(self)

    def _next(self) -> FeedEvent | None:
        with self._ready:
            while self._state is _OPEN and not self._backlog and not self._live:
                self._ready.wait()
            if self._state is _CUT:
                raise FellBehind(f"this console fell {self._capacity} events behind and was cut off; the last event "
                                 f"sent to it was {self.cursor}: resume with after_sequence={self.cursor}")
            if self._state is _CLOSED:
                raise FeedClosed(f"the server is shutting down; the last event sent was {self.cursor}: resume with "
                                 f"after_sequence={self.cursor} on another server, or with 0 on this one once back")
            if self._state is _DONE:
                return None
            return (self._backlog or self._live).popleft()

    def _offer(self, event: FeedEvent) -> bool:
        """Take a live event without waiting (in the feed's lock); False when
        the buffer is full: the subscription is cut off."""
        with self._ready:
            if self._state is not _OPEN:
                return self._state is _DONE
            if len(self._live) >= self._capacity:
                self._state = _CUT
                self._backlog.clear()
                self._live.clear()
                self._ready.notify()
                return False
            self._live.append(event)
            self._ready.notify()
            return True

    def _end(self, state: str) -> None:
        with self._ready:
            if self._state is _OPEN:
                self._state = state
                self._ready.notify()
