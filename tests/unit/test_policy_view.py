"""The policy in effect, written back as settings: read back, it is the same policy."""

import tomllib

from screening.cli.policy import to_toml
from screening.domain.policy import build_policy_set
from screening.domain.policy_view import policy_settings


def test_settings_read_back_to_the_same_policy():
    policies = build_policy_set({"calling_hours": {"sessions": ["14:00-17:00", "08:30-12:00"]}, "near_miss_digits": 3},
                                {"LP-A": {"max_duration_by_type": {"MOBILE": 600}, "names": {"deny_threshold": 0.95},
                                          "international": "review"}})
    for policy in (policies.default, policies.for_facility("LP-A")):
        settings = policy_settings(policy)
        assert build_policy_set(settings).default == policy
        assert build_policy_set(tomllib.loads(to_toml(settings))).default == policy
    assert policy_settings(policies.default)["calling_hours"]["sessions"] == ["08:30-12:00", "14:00-17:00"]


def test_toml_puts_scalars_before_tables():
    text = to_toml({"a": 1, "t": {"x": "y", "l": ["p", "q"]}, "b": True})
    assert text == 'a = 1\nb = true\n\n[t]\nx = "y"\nl = ["p", "q"]\n'
