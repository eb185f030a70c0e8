"""What makes a retry the same call (service.call_prints): each field, the
number as the engine reads it, the name with case and spacing folded, and
what a print that cannot tell (an old privileged row) does not compare."""

import dataclasses

import pytest

from screening.domain.model import ScreenRequest
from screening.domain.numbers import normalize
from screening.service.call_prints import CallIdConflict, CallPrint, call_print, differing

KEY = b"k" * 32
CALL = ScreenRequest("c-1", "LP-A", "A-1", "0812-3456-7890", station_id="K-1", called_party_name="Ibu Siti")


def printed(request=CALL, key=KEY, region="ID"):
    return call_print(key, request, normalize(request.dialed_number, region))


def changed(**fields):
    return printed(dataclasses.replace(CALL, **fields))


@pytest.mark.parametrize("fields", [
    {"dialed_number": "+62 812 3456 7890"}, {"dialed_number": "(0812) 34567890"}, {"dialed_number": "6281234567890"},
    {"called_party_name": "  IBU   siti "}, {"station_id": "K-9"}, {"requested_at": None}])
def test_the_same_call_in_another_form_is_the_same_call(fields):
    assert differing(printed(), changed(**fields)) == ()


@pytest.mark.parametrize("fields, names", [
    ({"dialed_number": "0812-3456-7891"}, ("dialed_number",)),
    ({"dialed_number": "112"}, ("dialed_number",)),  # a short code
    ({"inmate_id": "A-2"}, ("inmate_id",)),
    ({"called_party_name": "Ibu Sita"}, ("called_party_name",)),
    ({"called_party_name": ""}, ("called_party_name",)),
    ({"inmate_id": "A-2", "dialed_number": "x", "called_party_name": "y"},
     ("inmate_id", "dialed_number", "called_party_name"))])
def test_each_field_that_differs_is_named(fields, names):
    assert differing(printed(), changed(**fields)) == names


def test_inmate_ids_in_any_script_compare():
    """Found by tests/fuzz: compare_digest refuses str with non-ASCII
    characters, which answered such a retry INTERNAL."""
    assert differing(changed(inmate_id="Ä-1"), changed(inmate_id="Ä-1")) == ()
    assert differing(changed(inmate_id="Ä-1"), changed(inmate_id="A-1")) == ("inmate_id",)


def test_numbers_that_are_not_numbers_compare_by_what_was_typed():
    assert differing(changed(dialed_number="call me"), changed(dialed_number="call-me")) == ()
    assert differing(changed(dialed_number="call me"), changed(dialed_number="ring me")) == ("dialed_number",)
    assert differing(changed(dialed_number="112"), changed(dialed_number="110")) == ("dialed_number",)


def test_a_print_keeps_neither_number_nor_name_and_depends_on_the_key():
    mine = printed()
    assert "812" not in mine.stored and "Siti" not in mine.stored and CallPrint.from_stored("A-1", mine.stored) == mine
    assert differing(printed(key=b"another deployment"), mine) == ("dialed_number", "called_party_name")


def test_what_a_print_cannot_tell_is_not_compared():
    blind = CallPrint("A-1", None, None)  # a privileged call logged before prints were kept
    assert differing(blind, changed(dialed_number="0857-0000-0000", called_party_name="x")) == ()
    assert differing(blind, changed(inmate_id="A-2")) == ("inmate_id",)


def test_a_conflict_names_fields_never_values():
    error = CallIdConflict("LP-A", "c-1", ("dialed_number", "called_party_name"))
    assert str(error).startswith("call_id 'c-1' of facility 'LP-A' was used before for another call: "
                                 "dialed_number, called_party_name differ")
