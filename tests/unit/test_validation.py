import dataclasses

import pytest
from snapshots import engine_for, request

from screening.domain.errors import InvalidRequest, ListsNotLoaded
from screening.domain.model import Decision, Reason
from screening.domain.validation import FIELD_LIMITS, validate_request


VALID = request("0812-3456-7890")


def violations(**fields):
    with pytest.raises(InvalidRequest) as caught:
        validate_request(dataclasses.replace(VALID, **fields))
    return {v.field: v.description for v in caught.value.violations}


def test_every_missing_required_field_is_named_at_once():
    from screening.domain.model import ScreenRequest

    with pytest.raises(InvalidRequest) as caught:
        validate_request(ScreenRequest("", " ", "", ""))
    assert [v.field for v in caught.value.violations] == ["call_id", "facility_id", "inmate_id", "dialed_number"]


@pytest.mark.parametrize("field", list(FIELD_LIMITS))
def test_over_long_values_are_refused(field):
    limit = FIELD_LIMITS[field][1]
    assert violations(**{field: "1" * (limit + 1)})[field] == f"is longer than {limit} characters"


@pytest.mark.parametrize("field", list(FIELD_LIMITS))
def test_values_at_the_limit_pass(field):
    """Exactly the limit is allowed (an off-by-one would refuse it), and screened."""
    limit = FIELD_LIMITS[field][1]
    value = "0812-3456-7890".ljust(limit, "0") if field == "dialed_number" else "n" * limit
    at_limit = dataclasses.replace(VALID, **{field: value})
    assert len(getattr(at_limit, field)) == limit
    validate_request(at_limit)  # raises InvalidRequest if refused
    assert engine_for().screen(at_limit).decision in set(Decision)


@pytest.mark.parametrize("number, problem", [
    ("hello", "contains no digits"),
    ("0812-FRAUD", "contains 'F'"),
    ("0812;DROP TABLE", "contains ';'"),
    ("---", "contains no digits"),
])
def test_non_phone_garbage_is_bad_input(number, problem):
    assert problem in violations(dialed_number=number)["dialed_number"]


def test_control_characters_are_refused():
    assert violations(inmate_id="A\x1b[2J")["inmate_id"] == "contains control characters"


def test_an_invalid_but_phone_shaped_number_is_not_bad_input():
    """A short number is a real attempt to dial: answered DENY, and logged,
    not refused as a malformed request the phone system would retry."""
    validate_request(request("0812-34"))  # raises InvalidRequest if refused
    screening = engine_for().screen(request("0812-34"))
    assert screening.decision == Decision.DENY
    assert [f.reason for f in screening.findings] == [Reason.INVALID_NUMBER]


def test_screening_before_lists_are_loaded_is_unavailable():
    from screening.domain.engine import ScreeningEngine
    from screening.domain.policy import build_policy_set

    with pytest.raises(ListsNotLoaded):
        ScreeningEngine(build_policy_set()).screen(request("0812-3456-7890"))


def test_engine_validates_before_screening():
    with pytest.raises(InvalidRequest):
        engine_for().screen(request("call me"))
