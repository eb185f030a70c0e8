"""Errors the core raises; adapters map them to exit codes and gRPC statuses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldViolation:
    field: str
    description: str


class InvalidRequest(ValueError):
    """A request the caller must fix; names every bad field."""

    def __init__(self, violations: list[FieldViolation]):
        self.violations = tuple(violations)
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))


class InvalidEntry(ValueError):
    """A list entry (number, name, option) that cannot be stored."""


class ListsNotLoaded(RuntimeError):
    """Screening was asked for before the first list snapshot was loaded."""


class IncompleteDelta(ValueError):
    """A list delta lacks what applying it needs: the lists must be loaded whole."""
