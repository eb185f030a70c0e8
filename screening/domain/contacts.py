"""Registered contacts: whether the names one number is registered under
belong to one person, and whether a called party is the registered contact.

The same number registered by different inmates under names that are not
the same person is a relay number or a fraud hub; staff are warned when they
add such a registration, and the shared-number rule counts it.

A called party who is not the contact registered for the number may mean
the number changed hands or relays calls; but families say "Mama", "Siti"
or "Mas Budi", not the registered full name. `called_party_mismatch` is the
rule (README, "Contact consistency").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from screening.domain import relationships
from screening.domain.names import DEFAULT_REVIEW_THRESHOLD, name_similarity, normalize_name, words_within


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


@dataclass(frozen=True, slots=True)
class Mismatch:
    detail: str  # why the called party is not the registered contact, for staff
    score: float  # name similarity of the two names


def called_party_mismatch(called: str, name: str, relationship: str, threshold: float) -> Mismatch | None:
    """Why `called` is not the contact registered as `name` with this
    relationship kind, or None when it may well be. Consistent when:

    (a) the names are similar (score >= threshold);
    (b) every word of the called name is a different word of the registered one ("Siti");
    (c) the called name is only address words, each fitting the relationship ("Mama");
    (d) address words fitting the relationship, then name words as in (b) ("Mama Siti").
    """
    score = name_similarity(called, name).score
    if score >= threshold or words_within(called, name):
        return None
    terms, rest = relationships.split_address(called)
    named = bool(normalize_name(rest))
    if not terms or (named and not words_within(rest, name)):
        return Mismatch(f"called party {called!r} is not {name!r}, registered for this number", score)
    return _relationship_mismatch(called, name, relationship, terms, named, score)


def _relationship_mismatch(called: str, name: str, relationship: str, terms: tuple[str, ...], named: bool,
                           score: float) -> Mismatch | None:
    """Rules (c) and (d): the address words against the registered relationship."""
    if all(relationships.fits(term, relationship) for term in terms):
        return None
    if relationship != relationships.UNKNOWN:
        kind = relationships.label(relationship)
        return Mismatch(f"called party {called!r} does not fit the registered relationship {kind} of {name!r}",
                        score)
    # Nothing registered to check a family word against: beside name words
    # that match (d), the names decide; alone (c), it claims a relationship
    # nobody registered. (A polite form fits: unknown reads as an outsider.)
    if named:
        return None
    return Mismatch(f"called party {called!r} names a relationship, but none is registered for {name!r}", score)
