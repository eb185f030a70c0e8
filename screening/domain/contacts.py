"""Registered contacts: whether the names one number is registered under
belong to one person.

The same number registered by different inmates under names that are not
the same person is a relay number or a fraud hub; staff are warned when they
add such a registration, and the shared-number rule counts it.
"""

from __future__ import annotations

from collections.abc import Iterable

from screening.domain.names import DEFAULT_REVIEW_THRESHOLD, name_similarity


def same_person(a: str, b: str, threshold: float = DEFAULT_REVIEW_THRESHOLD) -> bool:
    # Partial matches count as the same person here: families register "Ibu
    # Siti" and "Siti Aminah" for one mother.
    return name_similarity(a, b).score >= threshold


def count_people(names: Iterable[str]) -> int:
    """How many different people these registered names are (a name joins the
    first group whose first name it matches)."""
    groups: list[str] = []
    for name in names:
        if not any(same_person(name, first) for first in groups):
            groups.append(name)
    return len(groups)


def conflicting(name: str, registrations: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (inmate, name) registrations of a number that are not this person."""
    return [(inmate, other) for inmate, other in registrations if not same_person(name, other)]
