"""Hot numbers: what staff mark for alerting, and which attempts match.

A rule targets one of:
- a number (stored in E.164),
- a pattern (the blocklist's syntax, screening.domain.patterns, stored canonical),
- an inmate (by id),
- a watchlist entry (by id: an attempt whose findings name "watchlist:ID").

Every attempt that matches a rule is an alert on the monitoring feed,
whatever its decision. The rules are few (tens, hundreds): matching is a set
lookup for numbers, inmates and entries and a walk over the patterns.

A privileged call is never matched by its number (number and pattern
rules): an alert would name the number the call promises not to show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from screening.domain.model import Labelled, Screening, ScreenRequest
from screening.domain.patterns import load_pattern

WATCHLIST_PREFIX = "watchlist:"  # how a finding names a watchlist entry (Finding.entry_id)


class AlertKind(Labelled):
    NUMBER = 1
    PATTERN = 2
    INMATE = 3
    WATCHLIST = 4


@dataclass(frozen=True, slots=True)
class Alert:
    """One rule an attempt matched, as the feed carries it."""

    id: int
    kind: AlertKind
    value: str  # E.164 number, canonical pattern, inmate id or watchlist entry id
    note: str = ""  # what staff wrote when marking it: why, what to do


class AlertRules:
    """The rules in force, built once per list version; matching never changes them."""

    def __init__(self, rules: Iterable[Alert] = ()):
        self._numbers: dict[str, list[Alert]] = {}
        self._inmates: dict[str, list[Alert]] = {}
        self._entries: dict[str, list[Alert]] = {}
        self._prefixes: dict[str, list[tuple[int, Alert]]] = {}  # digit prefix -> (total length or 0, rule)
        self._count = 0
        for rule in rules:
            self._count += 1
            if rule.kind is AlertKind.PATTERN:
                for part in load_pattern(rule.value).rules:
                    self._prefixes.setdefault(part.prefix, []).append((part.length, rule))
            else:
                self._index(rule.kind).setdefault(self._key(rule), []).append(rule)

    def __len__(self) -> int:
        return self._count

    def match(self, request: ScreenRequest, screening: Screening) -> tuple[Alert, ...]:
        """The rules this attempt matches, by rule id."""
        found = list(self._inmates.get(request.inmate_id, ()))
        for finding in screening.findings:
            if finding.entry_id.startswith(WATCHLIST_PREFIX):
                found += self._entries.get(finding.entry_id, ())
        number = screening.normalized_number
        if screening.record and number:
            found += self._numbers.get(number, ())
            found += self._by_pattern(number[1:])
        return tuple(sorted(set(found), key=lambda rule: rule.id))

    def _by_pattern(self, digits: str) -> list[Alert]:
        if not self._prefixes:
            return []
        return [rule for end in range(1, len(digits) + 1) for length, rule in self._prefixes.get(digits[:end], ())
                if length in (0, len(digits))]

    def _index(self, kind: AlertKind) -> dict[str, list[Alert]]:
        return {AlertKind.NUMBER: self._numbers, AlertKind.INMATE: self._inmates,
                AlertKind.WATCHLIST: self._entries}[kind]

    @staticmethod
    def _key(rule: Alert) -> str:
        return WATCHLIST_PREFIX + rule.value if rule.kind is AlertKind.WATCHLIST else rule.value
