"""Screening a call exactly once: the service the gRPC API calls.

A retried call_id gets the answer logged the first time, and is counted once,
when it is the same call (service.call_prints); a call_id used before for
another call is refused (CallIdConflict) and logs nothing new, whichever
path found the earlier answer: the log, the PostgreSQL writer's queue or
spool, or another replica that won the race to log the same call_id.
A new call is decided by the engine with the recent calls in view, written to
the decision log, and only then answered.

Deciding is serialized (two attempts of one inmate must see each other in
the behavioural windows), writing is not: a decided attempt joins the
windows at once and the write happens outside the lock, so calls in flight
together can share one commit (PostgreSQL's group commit). An attempt whose
write failed, or lost to an earlier answer of the same call (a retry,
perhaps to another replica), leaves the windows again.

Replicas on one database see each other's attempts through the log
(take_others), a poll apart.

A decision made durable here, and only such a one, is handed to on_decided
(the monitoring feed) before it is answered: not a retry's earlier answer,
not one that lost to it, not one the log could not keep. A failure there is
logged, never the call's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from screening.domain import garbage
from screening.domain.behaviour import Attempt, RecentCalls
from screening.domain.engine import ScreeningEngine
from screening.domain.model import ScreenRequest, Screening
from screening.domain.validation import validate_request
from screening.service.call_prints import CallIdConflict, CallPrint, Logged, call_print, differing
from screening.service.ports import DecisionLog

log = logging.getLogger(__name__)
Decided = Callable[[ScreenRequest, Screening], object]


class CallScreener:
    def __init__(self, engine: ScreeningEngine, log: DecisionLog, recent: RecentCalls,
                 on_decided: Decided | None = None):
        self._engine = engine
        self._log = log
        self._recent = recent
        self._on_decided = on_decided
        self._key = log.call_key()
        # One call at a time through check-decide-log-count: two attempts of
        # one inmate must see each other in the behavioural windows.
        self._lock = threading.Lock()

    @classmethod
    def resume(cls, engine: ScreeningEngine, log: DecisionLog, horizon_seconds: float) -> "CallScreener":
        """A screener whose windows hold what the log has of the last horizon."""
        screener = cls(engine, log, RecentCalls(horizon_seconds))
        screener.resume_windows()
        return screener

    def resume_windows(self) -> int:
        """Fill the windows, of a screener that has screened nothing yet,
        with what the log has of their horizon; a call that comes meanwhile
        waits for them. Returns how many attempts they hold."""
        recent = self._recent
        with self._lock, garbage.paused():  # a day of attempts: see garbage.py
            for attempt in self._log.attempts_since(time.time() - recent.horizon):
                recent.add(attempt)
            return len(recent)

    @property
    def recent(self) -> RecentCalls:
        return self._recent

    def take_others(self) -> int:
        """Add the attempts other replicas logged since the last time; returns how many."""
        attempts = self._log.attempts_by_others()
        if attempts:
            with self._lock:
                for attempt in attempts:
                    self._recent.add(attempt)
        return len(attempts)

    def screen(self, request: ScreenRequest) -> Screening:
        validate_request(request)
        call = call_print(self._key, request, self._engine.number_of(request))
        with self._lock:
            earlier = self._log.find(request.facility_id, request.call_id)
            if earlier is not None:
                return _same_call(request, earlier, call)
            screening = self._engine.screen(request, self._recent)
            key = int(screening.normalized_number[1:]) if screening.record and screening.normalized_number else 0
            attempt = Attempt(screening.at, request.inmate_id, key)
            self._recent.add(attempt)
        logged = None
        try:
            logged = self._log.append(request, screening, call)
        finally:
            if logged is None or logged.screening is not screening:
                with self._lock:
                    self._recent.discard(attempt)
        if logged.screening is not screening:
            return _same_call(request, logged, call)  # lost the race to an earlier answer
        if self._on_decided is not None:
            self._decided(request, screening)
        return screening

    def _decided(self, request: ScreenRequest, screening: Screening) -> None:
        try:
            self._on_decided(request, screening)
        except Exception:  # monitoring must never fail a call that is decided and durable
            log.exception("call %s: handing the decision to the monitoring feed failed", request.call_id)


def _same_call(request: ScreenRequest, earlier: Logged, call: CallPrint) -> Screening:
    """The earlier answer, when the request is the call it answered."""
    fields = differing(earlier.call, call)
    if not fields:
        return earlier.screening
    # Which fields, never their values: the earlier call may be privileged.
    log.warning("call_id reused for another call: refused", extra={
        "event": "call_id_conflict", "facility_id": request.facility_id, "call_id": request.call_id,
        "fields": list(fields)})
    raise CallIdConflict(request.facility_id, request.call_id, fields)
