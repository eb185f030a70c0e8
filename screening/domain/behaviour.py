"""Behavioural rules: what recent calls say about this one.

RecentCalls holds the attempts of the last `horizon` seconds (rebuilt from the
durable decision log at start, so a restart forgets nothing) indexed by inmate
and by number; the rules read it and add findings. Nothing here changes it:
the service layer records an attempt once its decision is safely logged.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from screening.domain.lists import ListSnapshot
from screening.domain.model import Decision, Finding, Reason
from screening.domain.policy import Policy, RuleAction

_EFFECT = {RuleAction.REVIEW: Decision.REVIEW, RuleAction.DENY: Decision.DENY}


@dataclass(frozen=True, slots=True)
class Attempt:
    """One screened call attempt, as the rules need it."""

    at: float  # Unix seconds
    inmate: str
    key: int  # E.164 digits as an int; 0 when there was no countable number


class RecentCalls:
    def __init__(self, horizon_seconds: float):
        self.horizon = horizon_seconds
        self._all: deque[Attempt] = deque()
        self._by_inmate: dict[str, deque[Attempt]] = {}
        # Number -> inmate -> that inmate's latest attempt on it: a popular
        # number's callers without going through its thousands of attempts.
        self._callers: dict[int, dict[str, float]] = {}

    def __len__(self) -> int:
        return len(self._all)

    def add(self, attempt: Attempt) -> None:
        self._all.append(attempt)
        self._by_inmate.setdefault(attempt.inmate, deque()).append(attempt)
        if attempt.key:
            callers = self._callers.setdefault(attempt.key, {})
            callers[attempt.inmate] = max(attempt.at, callers.get(attempt.inmate, attempt.at))
        self._forget_before(attempt.at - self.horizon)

    def discard(self, attempt: Attempt) -> None:
        """Take back an attempt just added (its call was not recorded after all)."""
        if not _remove_from_right(self._all, attempt):
            return  # already forgotten: older than the horizon
        attempts = self._by_inmate[attempt.inmate]
        _remove_from_right(attempts, attempt)
        if not attempts:
            del self._by_inmate[attempt.inmate]
        if attempt.key:
            callers = self._callers[attempt.key]
            latest = [a.at for a in attempts if a.key == attempt.key]
            if latest:
                callers[attempt.inmate] = max(latest)
            else:
                callers.pop(attempt.inmate, None)
                if not callers:
                    del self._callers[attempt.key]

    def of_inmate(self, inmate: str, since: float) -> list[Attempt]:
        return [a for a in self._by_inmate.get(inmate, ()) if a.at >= since]

    def inmates_calling(self, key: int, since: float) -> set[str]:
        return {inmate for inmate, latest in self._callers.get(key, {}).items() if latest >= since}

    def _forget_before(self, cutoff: float) -> None:
        # Attempts arrive in time order, so the oldest are at the left of
        # every deque; each is dropped once, in O(1).
        while self._all and self._all[0].at < cutoff:
            old = self._all.popleft()
            _drop_oldest(self._by_inmate, old.inmate)
            if old.key:
                self._forget_caller(old)

    def _forget_caller(self, old: Attempt) -> None:
        callers = self._callers[old.key]
        if callers.get(old.inmate, old.at) <= old.at:  # no later attempt of that inmate on that number
            callers.pop(old.inmate, None)
            if not callers:
                del self._callers[old.key]


def _remove_from_right(attempts: deque[Attempt], attempt: Attempt) -> bool:
    """Remove that very attempt, searched from the newest end, where one just
    added is: O(1) for it, where deque.remove would walk a day of attempts."""
    for i in range(len(attempts) - 1, -1, -1):
        if attempts[i] is attempt:
            del attempts[i]
            return True
    return False


def _drop_oldest(index: dict, name) -> None:
    attempts = index[name]
    attempts.popleft()
    if not attempts:
        del index[name]


def behaviour_findings(policy: Policy, recent: RecentCalls, snapshot: ListSnapshot, inmate: str, key: int,
                       now: float) -> list[Finding]:
    findings = []
    for rule in (_velocity, _sequential, _shared_approvals, _shared_callers):
        finding = rule(policy, recent, snapshot, inmate, key, now)
        if finding is not None:
            findings.append(finding)
    return findings


def outside_hours(policy: Policy, now: float) -> Finding | None:
    hours = policy.calling_hours
    if hours.action is RuleAction.OFF or hours.open_at(datetime.fromtimestamp(now, UTC)):
        return None
    local = datetime.fromtimestamp(now, hours.timezone).strftime("%H:%M")
    sessions = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in hours.sessions)
    return Finding(Reason.OUTSIDE_HOURS, f"{local} ({hours.timezone.key}) is outside the calling hours {sessions}",
                   _EFFECT[hours.action])


def _velocity(policy, recent, snapshot, inmate, key, now) -> Finding | None:
    rule = policy.velocity
    if rule.action is RuleAction.OFF:
        return None
    earlier = recent.of_inmate(inmate, now - rule.window_seconds)
    attempts = len(earlier) + 1
    numbers = len({a.key for a in earlier if a.key} | ({key} if key else set()))
    minutes = f"{rule.window_seconds / 60:g} min"
    if attempts > rule.max_attempts:
        detail = f"{attempts} call attempts in the last {minutes} (limit {rule.max_attempts})"
    elif numbers > rule.max_distinct_numbers:
        detail = f"{numbers} different numbers in the last {minutes} (limit {rule.max_distinct_numbers})"
    else:
        return None
    return Finding(Reason.VELOCITY, detail, _EFFECT[rule.action])


def _sequential(policy, recent, snapshot, inmate, key, now) -> Finding | None:
    rule = policy.sequential_dialing
    if rule.action is RuleAction.OFF or not key:
        return None
    dialed = [a.key for a in recent.of_inmate(inmate, now - rule.window_seconds) if a.key] + [key]
    run = _last_distinct(dialed, rule.run)
    if len(run) < rule.run:
        return None
    steps = [b - a for a, b in zip(run, run[1:])]
    same_length = len({len(str(k)) for k in run}) == 1
    # One direction only: alternating between two neighbouring lines (home
    # and office) is not walking a block.
    one_way = all(0 < s <= rule.max_step for s in steps) or all(-rule.max_step <= s < 0 for s in steps)
    if not same_length or not one_way:
        return None
    shown = ", ".join(f"+{k}" for k in run)
    return Finding(Reason.SEQUENTIAL_DIALING, f"dialed {shown} in a row (each within {rule.max_step} of the last)",
                   _EFFECT[rule.action])


def _shared_approvals(policy, recent, snapshot, inmate, key, now) -> Finding | None:
    rule = policy.shared_number
    hit = snapshot.shared_approvals.find(key) if key and rule.action is not RuleAction.OFF else None
    if hit is None:
        return None
    inmates, people = hit
    if inmates > rule.max_inmates_approved:
        detail = f"+{key} is approved for {inmates} inmates (limit {rule.max_inmates_approved})"
    elif people > 1:
        # Conflicting registrations: one number, several people's names.
        detail = f"+{key} is registered by {inmates} inmates under {people} different people's names"
    else:
        return None
    return Finding(Reason.SHARED_NUMBER, detail, _EFFECT[rule.action])


def _shared_callers(policy, recent, snapshot, inmate, key, now) -> Finding | None:
    rule = policy.shared_number
    if rule.action is RuleAction.OFF or not key:
        return None
    callers = recent.inmates_calling(key, now - rule.window_seconds) | {inmate}
    if len(callers) <= rule.max_inmates_calling:
        return None
    hours = f"{rule.window_seconds / 3600:g} h"
    return Finding(Reason.SHARED_NUMBER, f"+{key} was called by {len(callers)} different inmates in the last "
                   f"{hours} (limit {rule.max_inmates_calling})", _EFFECT[rule.action])


def _last_distinct(keys: list[int], count: int) -> list[int]:
    """The last `count` numbers of the sequence, repeats of the same number
    in a row collapsed (redialing a busy number is not walking a block)."""
    run: list[int] = []
    for k in reversed(keys):
        if not run or run[0] != k:
            run.insert(0, k)
            if len(run) == count:
                break
    return run
