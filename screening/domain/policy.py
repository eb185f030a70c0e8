"""Screening policy: what the rules do, per facility.

Defaults live in policy_defaults.toml; a config file overrides them globally
and per facility. Parsing is strict: an unknown key or a bad value is an error
that names it, so a typo never silently leaves a default in force.
"""

from __future__ import annotations

import enum
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

from datetime import datetime
from datetime import time as dt_time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from screening.domain.model import NumberType
from screening.domain.names import DEFAULT_DENY_THRESHOLD, DEFAULT_REVIEW_THRESHOLD
from screening.domain.numbers import is_known_region


class PolicyError(ValueError):
    """A policy setting that is unknown or has a bad value. build_policy_set
    words it as "[table] key: problem", the table as the config file's header
    ([policy], [facilities.LP-A]) and `key` the setting in it, so that the
    caller can say which file, or which environment variable, it came from."""

    def __init__(self, message: str, table: str = "", key: str = ""):
        super().__init__(message)
        self.table, self.key = table, key


class TypeAction(enum.Enum):
    SCREEN = "screen"  # the usual rules decide
    REVIEW = "review"  # usual rules, and flag for monitoring
    DENY = "deny"  # refuse, even when approved
    ALLOW = "allow"  # connect without an approved-list entry


class RuleAction(enum.Enum):
    OFF = "off"
    REVIEW = "review"
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class Velocity:
    action: RuleAction
    window_seconds: int
    max_attempts: int
    max_distinct_numbers: int


@dataclass(frozen=True, slots=True)
class SequentialDialing:
    action: RuleAction
    window_seconds: int
    run: int
    max_step: int


@dataclass(frozen=True, slots=True)
class SharedNumber:
    action: RuleAction
    max_inmates_approved: int
    max_inmates_calling: int
    window_seconds: int


@dataclass(frozen=True, slots=True)
class CallingHours:
    action: RuleAction
    timezone: ZoneInfo
    sessions: tuple[tuple[dt_time, dt_time], ...]  # [start, end) local times

    def open_at(self, moment: datetime) -> bool:
        if not self.sessions:
            return True
        local = moment.astimezone(self.timezone).time()
        return any(start <= local < end for start, end in self.sessions)


@dataclass(frozen=True, slots=True)
class NameThresholds:
    deny_threshold: float  # a watchlist entry with action deny denies at this score
    review_threshold: float  # any watchlist match flags for review from this score
    contact_threshold: float  # a called party scoring below this is not the registered contact
    max_watchlist_findings: int  # a decision names at most this many watchlist matches, the most severe


@dataclass(frozen=True, slots=True)
class Policy:
    region: str
    require_allowlist: bool
    max_duration_seconds: int
    privileged_max_duration_seconds: int
    international: TypeAction
    number_types: Mapping[NumberType, TypeAction]
    near_miss_digits: int
    velocity: Velocity
    sequential_dialing: SequentialDialing
    shared_number: SharedNumber
    calling_hours: CallingHours
    max_duration_by_type: Mapping[NumberType, int]
    names: NameThresholds

    def action_for(self, number_type: NumberType) -> TypeAction:
        return self.number_types.get(number_type, TypeAction.SCREEN)

    def max_duration_for(self, number_type: NumberType) -> int:
        return self.max_duration_by_type.get(number_type, self.max_duration_seconds)

    @property
    def history_seconds(self) -> int:
        """How far back the behavioural rules look."""
        return max(self.velocity.window_seconds, self.sequential_dialing.window_seconds,
                   self.shared_number.window_seconds)


@dataclass(frozen=True, slots=True)
class PolicySet:
    """The default policy and the facilities that override it."""

    default: Policy
    facilities: Mapping[str, Policy]

    def for_facility(self, facility_id: str) -> Policy:
        return self.facilities.get(facility_id, self.default)

    @property
    def history_seconds(self) -> int:
        return max(p.history_seconds for p in (self.default, *self.facilities.values()))


def default_settings() -> dict[str, Any]:
    text = resources.files("screening.domain").joinpath("policy_defaults.toml").read_text("utf-8")
    return tomllib.loads(text)


def build_policy_set(settings: Mapping[str, Any] | None = None,
                     facilities: Mapping[str, Mapping[str, Any]] | None = None) -> PolicySet:
    """Policies from the [policy] table and the [facilities.*] tables of a config."""
    merged = _in_table("policy", "policy", lambda: _merge(default_settings(), settings or {}, "policy"))
    default = _in_table("policy", "policy", lambda: _parse(merged, "policy"))
    per_facility = {}
    for facility, overrides in (facilities or {}).items():
        where = f"facilities.{facility}"
        per_facility[facility] = _in_table(f"facilities.{_toml_key(facility)}", where,
                                           lambda: _parse(_merge(merged, overrides, where), where))
    return PolicySet(default, MappingProxyType(per_facility))


def _in_table(table: str, where: str, build):
    """build(), its PolicyError ("policy.velocity.action: ...", named by the
    dotted path `where` starts) reworded as the config file reads:
    "[policy] velocity.action: ..."."""
    try:
        return build()
    except PolicyError as error:
        text = str(error)
        rest = text[len(where):].lstrip(".") if text.startswith(where) else text
        key = re.match(r"[^.:\s]*", rest)[0]
        raise PolicyError(f"[{table}]{'' if rest[:1] in (' ', ':') else ' '}{rest}", table, key) from None


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _merge(base: Mapping[str, Any], overrides: Mapping[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(overrides, Mapping):
        raise PolicyError(f"{where} must be a table")
    merged = dict(base)
    for key, value in overrides.items():
        if key not in base:
            known = ", ".join(sorted(base))
            raise PolicyError(f"{where}.{key} is not a policy setting (known: {known})")
        if isinstance(base[key], Mapping):
            if not isinstance(value, Mapping):
                raise PolicyError(f"{where}.{key} must be a table")
            if key not in _OPEN_TABLES:
                for sub in value:
                    if sub not in base[key]:
                        raise PolicyError(f"{where}.{key}.{sub} is not a setting of [{key}] "
                                          f"(known: {', '.join(base[key])})")
            value = {**base[key], **value}
        merged[key] = value
    return merged


def _parse(values: Mapping[str, Any], where: str) -> Policy:
    region = _typed(values, "region", str, where).upper()
    if not is_known_region(region):
        raise PolicyError(f"{where}.region: {region!r} is not an ISO 3166 region phonenumbers knows")
    return Policy(
        region=region,
        require_allowlist=_typed(values, "require_allowlist", bool, where),
        max_duration_seconds=_duration(values, "max_duration_seconds", where),
        privileged_max_duration_seconds=_duration(values, "privileged_max_duration_seconds", where),
        international=_action(values["international"], f"{where}.international"),
        number_types=MappingProxyType(_number_types(values["number_types"], where)),
        near_miss_digits=_bounded(values, "near_miss_digits", 0, 8, where),
        velocity=Velocity(_rule_action(values, "velocity", where),
                          *(_positive(values["velocity"], k, f"{where}.velocity")
                            for k in ("window_seconds", "max_attempts", "max_distinct_numbers"))),
        sequential_dialing=SequentialDialing(
            _rule_action(values, "sequential_dialing", where),
            *(_positive(values["sequential_dialing"], k, f"{where}.sequential_dialing")
              for k in ("window_seconds", "run", "max_step"))),
        shared_number=SharedNumber(_rule_action(values, "shared_number", where),
                                   *(_positive(values["shared_number"], k, f"{where}.shared_number")
                                     for k in ("max_inmates_approved", "max_inmates_calling", "window_seconds"))),
        calling_hours=_calling_hours(values["calling_hours"], f"{where}.calling_hours"),
        max_duration_by_type=MappingProxyType(_durations_by_type(values["max_duration_by_type"], where)),
        names=_name_thresholds(values["names"], f"{where}.names"),
    )


# Tables whose keys are not all in the defaults file, checked when parsed.
_OPEN_TABLES = ("number_types", "max_duration_by_type", "names")


def _name_thresholds(table: Mapping[str, Any], where: str) -> NameThresholds:
    # Unset thresholds are the ones measured on the evaluation set (screening.domain.names).
    measured = {"deny_threshold": DEFAULT_DENY_THRESHOLD, "review_threshold": DEFAULT_REVIEW_THRESHOLD,
                "contact_threshold": DEFAULT_REVIEW_THRESHOLD}
    known = (*measured, "max_watchlist_findings")
    for key in table:
        if key not in known:
            raise PolicyError(f"{where}.{key} is not a setting of [names] (known: {', '.join(known)})")
    values: dict[str, Any] = {"max_watchlist_findings": _bounded(table, "max_watchlist_findings", 1, 100, where)}
    for key, default in measured.items():
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise PolicyError(f"{where}.{key}: {value!r} is not a number between 0 and 1")
        values[key] = float(value)
    if values["review_threshold"] > values["deny_threshold"]:
        raise PolicyError(f"{where}: review_threshold is above deny_threshold")
    return NameThresholds(**values)


def _rule_action(values: Mapping[str, Any], table: str, where: str) -> RuleAction:
    value = values[table]["action"]
    try:
        return RuleAction(str(value).lower())
    except ValueError:
        choices = ", ".join(a.value for a in RuleAction)
        raise PolicyError(f"{where}.{table}.action: {value!r} is not one of {choices}") from None


def _positive(table: Mapping[str, Any], key: str, where: str) -> int:
    return _bounded(table, key, 1, 10_000_000, where)


def _calling_hours(table: Mapping[str, Any], where: str) -> CallingHours:
    try:
        zone = ZoneInfo(_typed(table, "timezone", str, where))
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"{where}.timezone: {table['timezone']!r} is not an IANA time zone") from None
    sessions = []
    for text in _typed(table, "sessions", list, where):
        start, sep, end = str(text).partition("-")
        try:
            session = (dt_time.fromisoformat(start.strip()), dt_time.fromisoformat(end.strip()))
        except ValueError:
            session = None
        if not sep or session is None or session[0] >= session[1]:
            raise PolicyError(f"{where}.sessions: {text!r} is not HH:MM-HH:MM with the start before the end")
        sessions.append(session)
    action = _rule_action({"t": table}, "t", where) if "action" in table else RuleAction.DENY
    return CallingHours(action, zone, tuple(sorted(sessions)))


def _durations_by_type(table: Mapping[str, Any], where: str) -> dict[NumberType, int]:
    durations = {}
    for name in table:
        try:
            number_type = NumberType[name.upper()]
        except KeyError:
            raise PolicyError(f"{where}.max_duration_by_type.{name} is not a number type") from None
        durations[number_type] = _duration(table, name, f"{where}.max_duration_by_type")
    return durations


def _number_types(table: Mapping[str, Any], where: str) -> dict[NumberType, TypeAction]:
    actions = {}
    for name, action in table.items():
        try:
            number_type = NumberType[name.upper()]
        except KeyError:
            known = ", ".join(t.name for t in NumberType if t is not NumberType.UNSPECIFIED)
            raise PolicyError(f"{where}.number_types.{name} is not a number type (known: {known})") from None
        actions[number_type] = _action(action, f"{where}.number_types.{name}")
    return actions


def _action(value: Any, where: str) -> TypeAction:
    try:
        return TypeAction(str(value).lower())
    except ValueError:
        choices = ", ".join(a.value for a in TypeAction)
        raise PolicyError(f"{where}: {value!r} is not one of {choices}") from None


def _typed(values: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = values[key]
    # bool is an int in Python; a duration of `true` is still a mistake.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PolicyError(f"{where}.{key}: expected {kind.__name__}, got {value!r}")
    return value


def _duration(values: Mapping[str, Any], key: str, where: str) -> int:
    value = _typed(values, key, int, where)
    if not 0 < value <= 24 * 3600:
        raise PolicyError(f"{where}.{key}: {value} is not between 1 and 86400 seconds")
    return value


def _bounded(values: Mapping[str, Any], key: str, low: int, high: int, where: str) -> int:
    value = _typed(values, key, int, where)
    if not low <= value <= high:
        raise PolicyError(f"{where}.{key}: {value} is not between {low} and {high}")
    return value
