import pytest

from screening.domain.model import NumberType
from screening.domain.policy import PolicyError, TypeAction, build_policy_set


def test_documented_defaults():
    policy = build_policy_set().default
    assert policy.region == "ID"
    assert policy.require_allowlist is True
    assert policy.international is TypeAction.DENY
    assert policy.action_for(NumberType.PREMIUM_RATE) is TypeAction.DENY
    assert policy.action_for(NumberType.MOBILE) is TypeAction.SCREEN
    assert policy.action_for(NumberType.EMERGENCY) is TypeAction.DENY


def test_name_settings_default_to_the_measured_thresholds_and_five_findings():
    names = build_policy_set().default.names
    assert (names.review_threshold, names.deny_threshold, names.max_watchlist_findings) == (0.65, 0.9, 5)
    assert build_policy_set(None, {"LP-A": {"names": {"max_watchlist_findings": 2}}}).for_facility(
        "LP-A").names.max_watchlist_findings == 2


def test_every_number_type_has_a_default():
    policy = build_policy_set().default
    assert set(policy.number_types) == set(NumberType) - {NumberType.UNSPECIFIED}


def test_facility_overrides_merge_over_the_global_policy():
    policies = build_policy_set(
        {"max_duration_seconds": 600, "number_types": {"VOIP": "deny"}},
        {"LP-A": {"require_allowlist": False, "number_types": {"MOBILE": "review"}}},
    )
    a = policies.for_facility("LP-A")
    assert a.require_allowlist is False and a.max_duration_seconds == 600
    assert a.action_for(NumberType.MOBILE) is TypeAction.REVIEW
    assert a.action_for(NumberType.VOIP) is TypeAction.DENY
    assert a.action_for(NumberType.PREMIUM_RATE) is TypeAction.DENY
    assert policies.for_facility("elsewhere") is policies.default


@pytest.mark.parametrize("settings, facilities, message", [
    ({"require_alowlist": False}, None, "[policy] require_alowlist is not a policy setting"),
    ({"require_allowlist": "no"}, None, "[policy] require_allowlist: expected bool"),
    ({"max_duration_seconds": 0}, None, "[policy] max_duration_seconds: 0 is not between 1 and 86400"),
    ({"max_duration_seconds": True}, None, "[policy] max_duration_seconds: expected int"),
    ({"international": "maybe"}, None, "[policy] international: 'maybe' is not one of"),
    ({"number_types": {"SATELLITE": "deny"}}, None, "[policy] number_types.SATELLITE is not a number type"),
    ({"region": "XX"}, None, "[policy] region: 'XX' is not an ISO 3166 region"),
    (None, {"LP-A": {"colour": "red"}}, "[facilities.LP-A] colour is not a policy setting"),
    (None, {"LP-A": "strict"}, "[facilities.LP-A] must be a table"),
    # As the config file's header reads: a facility id that is no bare TOML key is quoted.
    (None, {"LP A": {"calling_hours": {"sessions": ["8-12"]}}},
     '[facilities."LP A"] calling_hours.sessions: \'8-12\' is not HH:MM-HH:MM'),
    (None, {"LP-A": {"velocity": {"action": "maybe"}}}, "[facilities.LP-A] velocity.action: 'maybe' is not one of"),
    ({"names": {"max_watchlist_findings": 0}}, None, "[policy] names.max_watchlist_findings: 0 is not between 1 and 100"),
    ({"names": {"max_watchlist_findings": 2.5}}, None, "[policy] names.max_watchlist_findings: expected int"),
    ({"names": {"deny_threshold": 1.5}}, None, "[policy] names.deny_threshold: 1.5 is not a number between 0 and 1"),
    ({"names": {"max_findings": 3}}, None, "[policy] names.max_findings is not a setting of"),
])
def test_bad_settings_are_named(settings, facilities, message):
    with pytest.raises(PolicyError) as raised:
        build_policy_set(settings, facilities)
    assert str(raised.value).startswith(message)
