"""Hot numbers as staff change them, and as servers load them.

A rule is stored as an AlertEntry through the audited Store.add and
Store.remove, so it is versioned and in the change log like every list and
every replica on the database sees it. It is not one of the engine's lists:
servers read the rules again whenever the list version moves (AlertRulesLoader).
"""

from __future__ import annotations

import logging
import threading

from screening.domain.alerts import Alert, AlertKind, AlertRules
from screening.domain.entries import AlertEntry, Change, PrivilegedEntry, WatchEntry, check_text
from screening.domain.errors import InvalidEntry
from screening.domain.numbers import parse_list_number
from screening.domain.patterns import parse_pattern
from screening.service.list_changes import ID_LIMIT, TEXT_LIMIT, Result
from screening.service.ports import Store

log = logging.getLogger(__name__)


def alert_value(kind: AlertKind, value: str, region: str) -> str:
    """The rule's value as stored: a number in E.164, a pattern canonical,
    an inmate id as given, a watchlist entry's id as digits ("watchlist:12" or "12")."""
    if kind is AlertKind.NUMBER:
        return parse_list_number(value, region).e164
    if kind is AlertKind.PATTERN:
        return parse_pattern(value, region).text
    if kind is AlertKind.INMATE:
        return check_text("inmate id", value, ID_LIMIT)
    digits = value.strip().removeprefix("watchlist:")
    if not digits.isdigit() or not digits.isascii() or int(digits) == 0:
        raise InvalidEntry(f"watchlist entry {value!r} is not an entry id (e.g. 12 or watchlist:12, as "
                           "'screening watchlist list' shows them)")
    return str(int(digits))


def add_alert(store: Store, kind: str, value: str, note: str, region: str, why: Change) -> Result:
    alert_kind = AlertKind.from_label(kind)
    stored = alert_value(alert_kind, value, region)
    warnings = []
    if alert_kind is AlertKind.WATCHLIST and not list(store.entries(WatchEntry, id=int(stored))):
        raise InvalidEntry(f"the watchlist has no entry {stored} ('screening watchlist list' shows the ids)")
    if alert_kind is AlertKind.NUMBER and list(store.entries(PrivilegedEntry, number=stored)):
        warnings.append(f"{stored} is a privileged number: its calls are never monitored, so they never alert")
    entry = AlertEntry(alert_kind, stored, check_text("note", note, TEXT_LIMIT, required=False))
    return Result(store.add(entry, why), warnings)


def remove_alert(store: Store, kind: str, value: str, region: str, why: Change) -> AlertEntry:
    alert_kind = AlertKind.from_label(kind)
    return store.remove(AlertEntry, {"kind": alert_kind.label, "value": alert_value(alert_kind, value, region)}, why)


def rules_of(store: Store) -> AlertRules:
    return AlertRules(Alert(e.id, e.kind, e.value, e.note) for e in store.entries(AlertEntry))


class AlertRulesLoader:
    """Keeps the feed's rules current: read again whenever the list version
    it is told of (the reloader's on_loaded) is not the one they were read
    at. A failed read keeps the rules in use and is tried again at the next
    call (the reloader polls): alerting lags, screening never waits."""

    def __init__(self, store: Store, apply):
        self._store, self._apply = store, apply  # apply(AlertRules)
        self._version: int | None = None
        self._lock = threading.Lock()

    def load(self, version: int) -> bool:
        """Read the rules if `version` is new to them; True when they were read."""
        with self._lock:
            if version == self._version:
                return False
            try:
                rules = rules_of(self._store)
            except Exception:
                log.exception("hot numbers: reading the rules failed; alerting on the %s in use",
                              "rules" if self._version is not None else "(no) rules")
                return False
            self._apply(rules)
            self._version = version
            log.info("hot numbers: %d rules at list version %d", len(rules), version)
            return True
