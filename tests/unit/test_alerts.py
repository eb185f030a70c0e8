"""Hot-number rules: which attempts match, and what a privileged call never shows."""

from screening.domain.alerts import Alert, AlertKind, AlertRules
from screening.domain.model import Decision, Finding, NumberType, Reason, ScreenRequest, Screening


def attempt(number="+6281234567890", inmate="A-1", findings=(), record=True):
    request = ScreenRequest("c-1", "LP-A", inmate, number)
    screening = Screening("c-1", Decision.ALLOW, tuple(findings), number, NumberType.MOBILE, "ID", record, 600, 1)
    return request, screening


RULES = AlertRules([
    Alert(1, AlertKind.NUMBER, "+6281234567890", "relay"),
    Alert(2, AlertKind.PATTERN, "+62809*"),
    Alert(3, AlertKind.INMATE, "A-9", "gang lead"),
    Alert(4, AlertKind.WATCHLIST, "12"),
    Alert(5, AlertKind.PATTERN, "+6281234567800..+6281234567899"),
])


def ids(found):
    return [alert.id for alert in found]


def test_each_kind_of_rule_matches_its_attempts():
    assert ids(RULES.match(*attempt())) == [1, 5]
    assert ids(RULES.match(*attempt("+628091234567"))) == [2]
    assert ids(RULES.match(*attempt("+6281111111111", inmate="A-9"))) == [3]
    watched = Finding(Reason.WATCHLIST_MATCH, "name", Decision.REVIEW, "watchlist:12", 0.9)
    other = Finding(Reason.WATCHLIST_MATCH, "name", Decision.REVIEW, "watchlist:120", 0.9)
    assert ids(RULES.match(*attempt("+6281111111111", findings=[watched, other]))) == [4]
    assert RULES.match(*attempt("+6281111111111")) == ()
    assert len(RULES) == 5


def test_a_rule_matched_twice_is_one_alert_and_alerts_come_by_id():
    rules = AlertRules([Alert(7, AlertKind.INMATE, "A-1"), Alert(2, AlertKind.NUMBER, "+6281234567890")])
    assert ids(rules.match(*attempt())) == [2, 7]


def test_a_privileged_call_never_alerts_on_its_number():
    assert ids(RULES.match(*attempt(record=False))) == []
    assert ids(RULES.match(*attempt("+628091234567", inmate="A-9", record=False))) == [3]


def test_a_wildcard_pattern_matches_its_length_only():
    rules = AlertRules([Alert(1, AlertKind.PATTERN, "+62812345678??"), Alert(2, AlertKind.PATTERN, "+62812*")])
    assert ids(rules.match(*attempt("+6281234567890"))) == [1, 2]
    assert ids(rules.match(*attempt("+628123456789"))) == [2]
    assert ids(rules.match(*attempt("+62811234567890"))) == []


def test_an_invalid_number_matches_no_number_rule():
    assert RULES.match(*attempt("")) == () and AlertRules().match(*attempt()) == ()
