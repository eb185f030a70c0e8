"""A policy in effect, written back in the settings form of the config file
(policy_defaults.toml's keys): what `screening policy show` prints, and
what build_policy_set reads back to the same policy."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from screening.domain.policy import CallingHours, Policy


def policy_settings(policy: Policy) -> dict[str, Any]:
    """Every setting of the policy, scalars first, then one table each."""
    values = {f.name: _value(getattr(policy, f.name)) for f in dataclasses.fields(policy)}
    values["calling_hours"] = _calling_hours(policy.calling_hours)
    scalars = {k: v for k, v in values.items() if not isinstance(v, dict)}
    return {**scalars, **{k: v for k, v in values.items() if isinstance(v, dict)}}


def _calling_hours(hours: CallingHours) -> dict[str, Any]:
    sessions = [f"{start:%H:%M}-{end:%H:%M}" for start, end in hours.sessions]
    return {"action": hours.action.value, "timezone": str(hours.timezone), "sessions": sessions}


def _value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value):
        return {f.name: _value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "items"):  # number types' actions and durations, by NumberType name
        return {key.name: _value(item) for key, item in value.items()}
    return value
