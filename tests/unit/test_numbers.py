"""screening.domain.numbers: every way a number is typed, read as one E.164 number."""

import pytest

from screening.domain.errors import InvalidEntry
from screening.domain.model import NumberType
from screening.domain.numbers import (
    INVALID,
    DialedNumber,
    e164_from_key,
    is_known_region,
    normalize,
    parse_list_number,
)
from screening.domain.validation import dialed_number_problem

MOBILE = "+6281234567890"
JAKARTA = "+62215551234"

MOBILE_FORMS = [
    pytest.param("081234567890", id="national-plain"),
    pytest.param("0812-3456-7890", id="national-dashes"),
    pytest.param("0812 3456 7890", id="national-spaces"),
    pytest.param("0812.3456.7890", id="national-dots"),
    pytest.param("(0812) 34567890", id="national-parens"),
    pytest.param("+6281234567890", id="e164"),
    pytest.param("+62 812-3456-7890", id="plus-cc-dashes"),
    pytest.param("+62-812-3456-7890", id="plus-cc-all-dashes"),
    pytest.param("(+62) 812 3456 7890", id="plus-cc-in-parens"),
    # phonenumbers drops a trunk 0 typed after the country code.
    pytest.param("+62 0812 3456 7890", id="plus-cc-trunk-0"),
    pytest.param("+62 (0) 812 3456 7890", id="plus-cc-trunk-0-parens"),
    pytest.param("62812 3456 7890", id="cc-without-plus-spaced"),
    pytest.param("6281234567890", id="cc-without-plus"),
    pytest.param("62 0812 3456 7890", id="cc-without-plus-trunk-0"),
    pytest.param("001 62 812 3456 7890", id="idd-001"),
    pytest.param("0076281234567890", id="idd-007"),
    pytest.param("008 62 812-3456-7890", id="idd-008"),
    pytest.param("009-62-812-3456-7890", id="idd-009"),
    pytest.param("01017 62 812 3456 7890", id="idd-01017"),
    pytest.param("00 62 812 3456 7890", id="idd-00"),
    pytest.param("0062 0812 3456 7890", id="idd-00-trunk-0"),
    pytest.param("0812\u00a03456\u00a07890", id="nbsp"),
    pytest.param("0812\u30003456\u30007890", id="ideographic-space"),
    pytest.param("0812\u20133456\u20137890", id="en-dash"),
    pytest.param("0812\u22123456\u22127890", id="minus-sign"),
    pytest.param("０８１２３４５６７８９０", id="fullwidth-digits"),
    pytest.param("＋６２８１２３４５６７８９０", id="fullwidth-plus"),
    pytest.param("٠٨١٢٣٤٥٦٧٨٩٠", id="arabic-indic-digits"),
    pytest.param("  0812-3456-7890  ", id="surrounding-spaces"),
    pytest.param("\t+62 812 3456 7890\n", id="tab-and-newline"),
]


@pytest.mark.parametrize("text", MOBILE_FORMS)
def test_indonesian_mobile_every_way_it_is_typed(text):
    assert normalize(text, "ID") == DialedNumber(MOBILE, NumberType.MOBILE, "ID")


@pytest.mark.parametrize(
    "text, e164",
    [
        pytest.param("(021) 5551234", JAKARTA, id="jakarta-parens"),
        pytest.param("021-555-1234", JAKARTA, id="jakarta-dashes"),
        pytest.param("+62 21 555 1234", JAKARTA, id="jakarta-plus-cc"),
        pytest.param("+62 (0)21 555 1234", JAKARTA, id="jakarta-plus-cc-trunk-0"),
        pytest.param("62 21 5551234", JAKARTA, id="jakarta-cc-without-plus-spaced"),
        pytest.param("62215551234", JAKARTA, id="jakarta-cc-without-plus"),
        pytest.param("０２１－５５５－１２３４", JAKARTA, id="jakarta-fullwidth"),
        pytest.param("(0274) 512345", "+62274512345", id="yogyakarta-parens"),
        pytest.param("0274-512345", "+62274512345", id="yogyakarta-dashes"),
        pytest.param("(022) 4201234", "+62224201234", id="bandung"),
        pytest.param("0361 234567", "+62361234567", id="denpasar"),
        # A 062x area typed with its trunk 0 is local, not country code 62.
        pytest.param("0622 123456", "+62622123456", id="pematangsiantar-062x"),
        pytest.param("0062 622 123456", "+62622123456", id="062x-via-idd"),
        # Without the trunk 0, "+622123456" is not valid, so the local reading wins.
        pytest.param("622 123456", "+62622123456", id="062x-without-trunk-0"),
    ],
)
def test_indonesian_fixed_lines(text, e164):
    assert normalize(text, "ID") == DialedNumber(e164, NumberType.FIXED_LINE, "ID")


@pytest.mark.parametrize(
    "text, e164, number_type, region",
    [
        pytest.param("0813 1234 5678", "+6281312345678", NumberType.MOBILE, "ID", id="telkomsel"),
        pytest.param("0856 1234 5678", "+6285612345678", NumberType.MOBILE, "ID", id="indosat"),
        pytest.param("0878 1234 5678", "+6287812345678", NumberType.MOBILE, "ID", id="xl"),
        pytest.param("0809 1234567", "+628091234567", NumberType.PREMIUM_RATE, "ID", id="premium-0809"),
        pytest.param("0800 1234567", "+628001234567", NumberType.TOLL_FREE, "ID", id="toll-free-0800"),
        pytest.param("+62 800 1234567", "+628001234567", NumberType.TOLL_FREE, "ID", id="toll-free-plus-cc"),
        pytest.param("1500123", "+621500123", NumberType.UAN, "ID", id="uan-1500"),
        pytest.param("+44 20 7946 0958", "+442079460958", NumberType.FIXED_LINE, "GB", id="london"),
        pytest.param("001 44 20 7946 0958", "+442079460958", NumberType.FIXED_LINE, "GB", id="london-via-001"),
        pytest.param("+60 12-345 6789", "+60123456789", NumberType.MOBILE, "MY", id="malaysia-mobile"),
        pytest.param("00 60 12 345 6789", "+60123456789", NumberType.MOBILE, "MY", id="malaysia-via-00"),
        pytest.param("+966 50 123 4567", "+966501234567", NumberType.MOBILE, "SA", id="saudi-mobile"),
        pytest.param("009 966 50 123 4567", "+966501234567", NumberType.MOBILE, "SA", id="saudi-via-009"),
        pytest.param("00 65 9123 4567", "+6591234567", NumberType.MOBILE, "SG", id="singapore-via-00"),
        pytest.param("+852 9123 4567", "+85291234567", NumberType.MOBILE, "HK", id="hong-kong"),
        pytest.param("+1 202 555 0143", "+12025550143", NumberType.FIXED_LINE_OR_MOBILE, "US", id="us"),
    ],
)
def test_number_types_and_regions(text, e164, number_type, region):
    assert normalize(text, "ID") == DialedNumber(e164, number_type, region)


@pytest.mark.parametrize(
    "text, short_code, number_type",
    [
        pytest.param("112", "112", NumberType.EMERGENCY, id="112-general"),
        pytest.param("110", "110", NumberType.EMERGENCY, id="110-police"),
        pytest.param("113", "113", NumberType.EMERGENCY, id="113-fire"),
        pytest.param("118", "118", NumberType.EMERGENCY, id="118-ambulance"),
        # Not in the phonenumbers metadata; dialing_rules.toml adds it.
        pytest.param("115", "115", NumberType.EMERGENCY, id="115-basarnas-search-and-rescue"),
        pytest.param("1-1-2", "112", NumberType.EMERGENCY, id="112-dashed"),
        pytest.param("14045", "14045", NumberType.SHORT_CODE, id="14045"),
        pytest.param("1 4 0 4 5", "14045", NumberType.SHORT_CODE, id="14045-spaced"),
    ],
)
def test_short_codes(text, short_code, number_type):
    number = normalize(text, "ID")
    assert number == DialedNumber("", number_type, "ID", short_code=short_code)
    assert number.valid
    assert number.key == 0


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("+", id="plus-only"),
        pytest.param("0812", id="too-short-4"),
        pytest.param("0812-34", id="too-short-6"),
        pytest.param("0812345", id="too-short-7"),
        pytest.param("+62 21 555", id="too-short-plus-cc"),
        pytest.param("0812-3456-7890-1234", id="too-long"),
        pytest.param("08123456789012345", id="too-long-plain"),
        pytest.param("0912 3456 7890", id="no-such-prefix"),
        pytest.param("0000 0000 0000", id="zeros"),
        pytest.param("+62 000 000 000", id="zeros-plus-cc"),
        pytest.param("+999 1234 5678", id="unassigned-country-code"),
        pytest.param("6221", id="cc-and-area-only"),
        pytest.param("+62", id="cc-only"),
        pytest.param("*123#", id="ussd"),
        pytest.param("123", id="unknown-short-code"),
        pytest.param("+112", id="short-code-with-plus"),
        pytest.param("007", id="access-code-only"),
        pytest.param("0012 3456", id="001-then-too-short"),
    ],
)
def test_invalid_input(text):
    number = normalize(text, "ID")
    assert number == INVALID
    assert not number.valid
    assert number.key == 0


# The longest access code decides, as the exchange reads the digits; a shorter
# one only when that reading is not a valid number.
@pytest.mark.parametrize(
    "text, e164",
    [
        # 001 + 2025550143 is no valid number; "00" + 1 202 ... is.
        pytest.param("0012025550143", "+12025550143", id="001-reading-invalid-00-us-number"),
        pytest.param("001 1 202 555 0143", "+12025550143", id="001-then-us-number"),
        pytest.param("00 966 50 123 4567", "+966501234567", id="00-saudi-009-reading-invalid"),
        pytest.param("00 81 3 1234 5678", "+81312345678", id="00-japan-008-reading-invalid"),
        # Moscow via "00" is read as 007 + a valid German number: the exchange dials that.
        pytest.param("00 7 495 123 4567", "+4951234567", id="00-russia-read-as-007-germany"),
    ],
)
def test_first_matching_access_code_decides(text, e164):
    assert normalize(text, "ID").e164 == e164


@pytest.mark.parametrize(
    "region, text, expected",
    [
        pytest.param(
            "GB", "020 7946 0958", DialedNumber("+442079460958", NumberType.FIXED_LINE, "GB"), id="gb-national"
        ),
        pytest.param("GB", "00 62 812 3456 7890", DialedNumber(MOBILE, NumberType.MOBILE, "ID"), id="gb-idd-00"),
        # "62 without plus" is an Indonesian rule only.
        pytest.param("GB", "62 812 3456 7890", INVALID, id="gb-no-cc-without-plus"),
        pytest.param("MY", "012-345 6789", DialedNumber("+60123456789", NumberType.MOBILE, "MY"), id="my-national"),
        pytest.param("MY", "999", DialedNumber("", NumberType.EMERGENCY, "MY", short_code="999"), id="my-emergency"),
        pytest.param("XX", "0812 3456 7890", INVALID, id="unknown-region"),
    ],
)
def test_other_regions(region, text, expected):
    assert normalize(text, region) == expected


@pytest.mark.parametrize(
    "text, key",
    [
        pytest.param("0812-3456-7890", 6281234567890, id="mobile"),
        pytest.param("(021) 5551234", 62215551234, id="jakarta"),
        pytest.param("+44 20 7946 0958", 442079460958, id="london"),
    ],
)
def test_key_is_the_e164_digits(text, key):
    number = normalize(text, "ID")
    assert number.key == key == int(number.e164.removeprefix("+"))
    assert e164_from_key(key) == number.e164


def test_every_form_of_a_number_has_the_same_key():
    keys = {normalize(param.values[0], "ID").key for param in MOBILE_FORMS}
    assert keys == {6281234567890}


def test_is_known_region():
    assert is_known_region("ID")
    assert is_known_region("GB")
    assert not is_known_region("XX")


@pytest.mark.parametrize(
    "text, e164",
    [
        pytest.param(" 0812-3456-7890 ", MOBILE, id="mobile-padded"),
        pytest.param("(021) 5551234", JAKARTA, id="jakarta"),
        pytest.param("+44 20 7946 0958", "+442079460958", id="london"),
    ],
)
def test_parse_list_number_accepts_full_numbers(text, e164):
    assert parse_list_number(text, "ID").e164 == e164


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("0812-34", id="too-short"),
        pytest.param("0812-3456-7890-1234", id="too-long"),
        pytest.param("001 99 123", id="access-code-then-invalid"),
    ],
)
def test_parse_list_number_rejects_anything_else(text):
    with pytest.raises(InvalidEntry) as raised:
        parse_list_number(text, "ID")
    assert f"{text!r} is not a" in str(raised.value)


@pytest.mark.parametrize("text, kind", [("112", "EMERGENCY"), (" 1-1-0 ", "EMERGENCY"), ("14045", "SHORT_CODE")])
def test_a_short_code_is_refused_for_what_it_is(text, kind):
    """A short code is a valid number of a kind no list takes: say so, not "not a valid number"."""
    with pytest.raises(InvalidEntry) as raised:
        parse_list_number(text, "ID")
    assert str(raised.value) == (f"{text.strip()!r} is a short code: short codes cannot be listed "
                                 f"([policy.number_types] {kind} decides calls to it)")


@pytest.mark.parametrize(
    "text, problem",
    [
        pytest.param("0812-FRAUD", "contains 'F', which is not part of a phone number", id="word"),
        pytest.param("O812 3456 7890", "contains 'O', which is not part of a phone number", id="letter-o-for-zero"),
        pytest.param("081l 3456 7890", "contains 'l', which is not part of a phone number", id="letter-l-for-one"),
        pytest.param("0812 3456 7890 ext 12", "contains 'e', which is not part of a phone number", id="extension"),
        pytest.param("0812,3456", "contains ',', which is not part of a phone number", id="comma"),
        pytest.param("0812_3456", "contains '_', which is not part of a phone number", id="underscore"),
        pytest.param("0812\t3456", "contains '\\t', which is not part of a phone number", id="tab"),
        # The "no digits" check comes first, so a word without digits never names a letter.
        pytest.param("hello", "contains no digits", id="word-without-digits"),
        pytest.param("", "contains no digits", id="empty"),
        pytest.param("+ ( ) -", "contains no digits", id="punctuation-only"),
    ],
)
def test_dialed_number_problem_reports(text, problem):
    assert dialed_number_problem(text) == problem


_FULLWIDTH = "the fullwidth form of a separator that normalize() reads, like the accepted fullwidth '+'"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("0812-3456-7890", id="dashes"),
        pytest.param("(+62) 812.3456.7890", id="plus-parens-dots"),
        pytest.param("021/5551234", id="slash"),
        pytest.param("*123#", id="keypad-star-hash"),
        pytest.param("0812\u00a03456\u00a07890", id="nbsp"),
        pytest.param("0812\u20133456\u22127890", id="en-dash-minus-sign"),
        pytest.param("0812\u20103456\u20117890", id="hyphen-non-breaking-hyphen"),
        pytest.param("＋６２\u3000８１２\u3000３４５６\u3000７８９０", id="fullwidth-plus-digits-space"),
        pytest.param("٠٨١٢٣٤٥٦٧٨٩٠", id="arabic-indic-digits"),
        pytest.param("０８１２－３４５６－７８９０", id="fullwidth-hyphen-minus"),
        pytest.param("（０２１）５５５１２３４", id="fullwidth-parens"),
        pytest.param("0812\u202f3456\u20097890", id="narrow-and-thin-spaces"),
    ],
)
def test_dialed_number_problem_accepts_typed_forms(text):
    assert dialed_number_problem(text) == ""
