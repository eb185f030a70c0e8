"""One rule for "the same person": same_person, and the called-party check
and the shared-number count that use it, on the table of
tests/unit/same_person_pairs.csv (also read by
tests/integration/test_same_person_registrations.py)."""

import csv
import itertools
from pathlib import Path

import pytest

from screening.domain import relationships
from screening.domain.contacts import called_party_mismatch, count_people, same_person
from screening.domain.names import SAME_PERSON_THRESHOLD
from screening.domain.policy import build_policy_set

PAIRS_FILE = Path(__file__).with_name("same_person_pairs.csv")


def load_pairs() -> list[dict[str, str]]:
    with PAIRS_FILE.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


PAIRS = load_pairs()
THRESHOLD = build_policy_set().default.names.contact_threshold


def accepted(called: str, registered: str, kind: str) -> bool:
    return called_party_mismatch(called, registered, kind, THRESHOLD) is None


def test_the_table_has_both_answers_and_no_pair_twice():
    assert {row["same"] for row in PAIRS} == {"yes", "no"}
    assert len({(row["a"], row["b"]) for row in PAIRS}) == len(PAIRS)


@pytest.mark.parametrize("row", PAIRS, ids=lambda row: f"{row['a']}|{row['b']}")
def test_same_person_on_the_table_either_way_round(row):
    expected = row["same"] == "yes"
    assert same_person(row["a"], row["b"]) is expected
    assert same_person(row["b"], row["a"]) is expected
    # Two registrations of one number: one person or two, in either order.
    assert count_people([row["a"], row["b"]]) == count_people([row["b"], row["a"]]) == (1 if expected else 2)


@pytest.mark.parametrize("row", PAIRS, ids=lambda row: f"{row['a']}|{row['b']}")
def test_what_the_called_party_check_accepts_is_the_same_person(row):
    a, b = row["a"], row["b"]
    said_either_way = [accepted(x, y, kind) for x, y in ((a, b), (b, a)) for kind in relationships.KINDS]
    if row["same"] == "no":
        # Whatever the registered relationship, a call saying one for the other is flagged.
        assert not any(said_either_way)
    else:
        # ... and the same person is accepted for the right relationship ("Mama" for a mother).
        assert any(said_either_way)


def test_plain_names_are_accepted_by_the_call_check_exactly_when_the_same_person():
    for row in PAIRS:
        a, b = row["a"], row["b"]
        if relationships.split_address(a)[0] or relationships.split_address(b)[0]:
            continue  # words of address: the relationship decides too
        expected = row["same"] == "yes"
        assert accepted(a, b, relationships.UNKNOWN) is expected, row
        assert accepted(b, a, relationships.UNKNOWN) is expected, row


def test_the_call_check_threshold_defaults_to_the_same_person_threshold():
    # Out of the box, what a call may say is never "not the same person" when registered.
    assert THRESHOLD == SAME_PERSON_THRESHOLD


def test_a_short_name_does_not_join_two_different_full_names_into_one():
    names = ["Ibu Siti", "Siti Aminah", "Siti Rahma", "Bu Siti"]
    for order in itertools.permutations(names):
        assert count_people(order) == 2, order
    assert count_people(["Siti", "Ibu Siti", "Hj. Siti"]) == 1
    assert count_people(["Siti Aminah", "Rina Wati", "Ibu Siti Aminah", "Bu Rina"]) == 2


def test_names_that_name_nobody_are_not_other_people():
    assert same_person("", "Siti Aminah") and same_person("Mama", "Siti Aminah")
    assert count_people(["", "Mama", "Ibu"]) == 1
    assert count_people(["", "Siti Aminah", "Rina Wati"]) == 2
    assert count_people([]) == 0
    # But the call check still wants the relationship for a word of address alone.
    assert not accepted("Mama", "Siti Aminah", relationships.UNKNOWN)
    assert accepted("Mama", "Siti Aminah", "mother")


def test_a_registered_name_with_words_of_address_accepts_the_full_name():
    assert accepted("Siti Aminah", "Mama Siti", relationships.UNKNOWN)
    assert not accepted("Rina Wati", "Mama Siti", relationships.UNKNOWN)
    # A registered name that names nobody is no name to match a called name against.
    assert not accepted("Budi Hartono", "Mama", relationships.UNKNOWN)


def test_a_lower_threshold_is_more_lenient_not_another_rule():
    assert not same_person("Siti Aminah Rahma", "Siti Aminah Wati")
    assert same_person("Siti Aminah Rahma", "Siti Aminah Wati", threshold=0.5)
