"""Registered contacts: whether the names one number is registered under
belong to one person, and whether a called party is the registered contact.

The same number registered by different inmates under names that are not
the same person is a relay number or a fraud hub; staff are warned when they
add such a registration, and the shared-number rule counts it. Both ask
`same_person`, and so does the called-party check for the names it compares:
whatever a call may say for a contact, a registration may say too.

A called party who is not the contact registered for the number may mean
the number changed hands or relays calls; but families say "Mama", "Siti"
or "Mas Budi", not the registered full name. `called_party_mismatch` is the
rule (README, "Contact consistency").
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from screening.domain import relationships
from screening.domain.names import SAME_PERSON_THRESHOLD, name_similarity, normalize_name, words_within


def same_person(a: str, b: str, threshold: float = SAME_PERSON_THRESHOLD) -> bool:
    """Can names `a` and `b`, both given for one number's contact, be one
    person? Symmetric. The one rule of the registration warning, the
    shared-number count and the called-party check (name_rules.toml,
    "The same person"): the names score at least `threshold`, or one is part
    of the other ("Ibu Siti", "Siti Aminah"), or so are the names left once
    the words of address at the start are off ("Mama Siti"); a name of words
    of address alone ("Mama") or no name names nobody, so it is not another
    person.
    """
    if _names_agree(a, b, threshold):
        return True
    rest_a, rest_b = _named(a), _named(b)
    if not normalize_name(rest_a) or not normalize_name(rest_b):
        return True
    return _names_agree(rest_a, rest_b, threshold)


def _names_agree(a: str, b: str, threshold: float) -> bool:
    # Either way round: a registered "Siti" and a registered (or said) "Siti
    # Aminah" are as much one person as the other way.
    return name_similarity(a, b).score >= threshold or words_within(a, b) or words_within(b, a)


@functools.lru_cache(maxsize=1 << 16)  # a count compares each name with several others
def _named(name: str) -> str:
    """The name without the words of address it starts with: "Mama Siti" -> "Siti"."""
    return relationships.split_address(name)[1]


def count_people(names: Iterable[str]) -> int:
    """How many different people at least these names (of one number) are.

    Names are read most words first, so full names lead: each name is
    compared with the first name of each group and joins the first group it
    is the same person as. The group leaders are pairwise not the same
    person, whatever order the names come in: "Ibu Siti" fits both "Siti
    Aminah" and "Siti Rahma", who still count as two. A number with names
    but none that names anyone ("", "Mama") is one person.
    """
    leaders: list[str] = []
    for name in sorted(names, key=_specific_first):
        if not any(same_person(name, leader) for leader in leaders):
            leaders.append(name)
    return len(leaders)


def _specific_first(name: str) -> tuple[int, tuple[str, ...], str]:
    """Sort key: the most name words first, then a fixed order (the count must
    not depend on the order of the rows)."""
    words = normalize_name(_named(name))
    return -len(words), words, name


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
    (b) every word of one name is a different word of the other ("Siti");
    (c) the called name is only address words, each fitting the relationship ("Mama");
    (d) address words fitting the relationship, then a name as in (a) or (b) ("Mama Siti").

    (a), (b) and the name of (d) are same_person: what this accepts is never
    "not the same person" when registered.
    """
    score = name_similarity(called, name).score
    if _names_agree(called, name, threshold):
        return None
    terms, rest = relationships.split_address(called)
    if terms and same_person(called, name, threshold):
        return _relationship_mismatch(called, name, relationship, terms, bool(normalize_name(rest)), score)
    # A registered name with words of address of its own: "Mama Siti" registered, "Siti Aminah" said.
    registered = _named(name)
    if not terms and normalize_name(registered) and _names_agree(called, registered, threshold):
        return None
    return Mismatch(f"called party {called!r} is not {name!r}, registered for this number", score)


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
