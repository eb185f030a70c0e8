import pytest

from screening.config import ConfigError, load_settings

CONFIG = """
database = "/var/lib/screening/screening.db"
listen = "0.0.0.0:50051"
reload_interval = 0.5

[policy]
max_duration_seconds = 600

[facilities."LP-A"]
require_allowlist = false
"""


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "screening.toml"
    path.write_text(CONFIG)
    return str(path)


def test_defaults_without_any_source():
    settings = load_settings(environ={})
    assert settings.database == "screening.db"
    assert settings.listen == "127.0.0.1:50051"
    assert settings.policies().default.max_duration_seconds == 900


def test_file_then_environment_then_flags(config_file):
    env = {"SCREENING_LISTEN": "127.0.0.1:6000", "SCREENING_POLICY_MAX_DURATION_SECONDS": "300"}
    settings = load_settings(config_file, environ=env, database="flag.db")
    assert settings.database == "flag.db"  # flag over file
    assert settings.listen == "127.0.0.1:6000"  # environment over file
    assert settings.reload_interval == 0.5  # file over default
    policies = settings.policies()
    assert policies.default.max_duration_seconds == 300  # environment over file
    assert policies.for_facility("LP-A").require_allowlist is False
    assert policies.for_facility("LP-A").max_duration_seconds == 300


def test_config_file_from_environment(config_file):
    assert load_settings(environ={"SCREENING_CONFIG": config_file}).listen == "0.0.0.0:50051"


def test_policy_booleans_from_environment():
    env = {"SCREENING_POLICY_REQUIRE_ALLOWLIST": "false"}
    assert load_settings(environ=env).policies().default.require_allowlist is False
    with pytest.raises(ConfigError, match="SCREENING_POLICY_REQUIRE_ALLOWLIST: expected true or false"):
        load_settings(environ={"SCREENING_POLICY_REQUIRE_ALLOWLIST": "perhaps"})


@pytest.mark.parametrize("text, message", [
    ('databse = "x.db"', "unknown setting 'databse'"),
    ("workers = 0", "workers: must be at least 1"),
    ('reload_interval = "soon"', "reload_interval: expected a number"),
    ("listen = 50051", "listen: expected a string"),
    # gRPC would take 99999 as 34463 (99999 - 65536): refused, not wrapped.
    ('listen = "x:99999"', r"listen: port 99999 in 'x:99999' is out of range \(0-65535\)"),
    ('metrics_listen = "9464"', "metrics_listen: '9464' is not HOST:PORT"),
    ("[policy]\nregion = 'ZZ'", "'ZZ' is not an ISO 3166 region"),
    ("this is not toml", "is not valid TOML"),
    ("decision_retention_days = -1", "decision_retention_days: must be at least 0"),
    ("feed_buffer_events = 0", "feed_buffer_events: must be at least 1"),
    ('feed_subscriber_buffer = "lots"', "feed_subscriber_buffer: expected a whole number"),
    # Each monitoring stream holds a worker: ScreenCall must keep some.
    ("workers = 8\nfeed_max_subscribers = 8", "feed_max_subscribers: 8 monitoring streams could hold every one of "
                                              "the 8 gRPC workers .*at most 7"),
    # The shared-number rule looks back a day by default: a day's decisions must stay.
    ("decision_retention_days = 1\n[policy.shared_number]\nwindow_seconds = 172800",
     "decision_retention_days: 1 days would delete decisions the behavioural rules still look at"),
])
def test_bad_config_files_are_named(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(str(path), environ={})


def test_policy_errors_name_the_config_file_and_the_table(tmp_path):
    path = tmp_path / "screening.toml"
    for text, says in [
        ('[facilities.LP-CIPINANG]\ncalling_hours = { sessions = ["8-12"] }',
         "[facilities.LP-CIPINANG] calling_hours.sessions: '8-12' is not HH:MM-HH:MM with the start before the end"),
        ("[facilities.LP-A.velocity]\nmax_attempts = 0", "[facilities.LP-A] velocity.max_attempts: 0 is not between"),
        ("[policy]\nrequire_alowlist = false", "[policy] require_alowlist is not a policy setting (known: "),
    ]:
        path.write_text(text)
        with pytest.raises(ConfigError) as raised:
            load_settings(str(path), environ={})
        assert str(raised.value).startswith(f"{path}: {says}")


def test_a_bad_policy_variable_is_named_not_the_file(tmp_path):
    path = tmp_path / "screening.toml"
    path.write_text('[policy]\nregion = "ID"\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(str(path), environ={"SCREENING_POLICY_REGION": "XX"})
    assert str(raised.value) == "SCREENING_POLICY_REGION: 'XX' is not an ISO 3166 region phonenumbers knows"


@pytest.mark.parametrize("name, says", [
    ("SCREENING_POLICY_MAX_DURATION", "SCREENING_POLICY_MAX_DURATION is not a policy setting "
                                      "(did you mean SCREENING_POLICY_MAX_DURATION_SECONDS?)"),
    ("SCREENING_POLICY_COLOUR", "SCREENING_POLICY_COLOUR is not a policy setting (known: SCREENING_POLICY_REGION, "
                                "SCREENING_POLICY_REQUIRE_ALLOWLIST, SCREENING_POLICY_MAX_DURATION_SECONDS, "),
    ("SCREENING_POLICY_VELOCITY", "SCREENING_POLICY_VELOCITY: [policy] velocity is a table; set it in the config file"),
])
def test_an_unknown_policy_variable_is_an_error(name, says):
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={name: "300"})
    assert str(raised.value).startswith(says)


def test_kubernetes_variables_of_a_service_named_screening_policy_are_not_settings():
    env = {"SCREENING_POLICY_SERVICE_HOST": "10.0.0.2", "SCREENING_POLICY_SERVICE_PORT": "50051",
           "SCREENING_POLICY_PORT": "tcp://10.0.0.2:50051", "SCREENING_POLICY_PORT_50051_TCP_ADDR": "10.0.0.2"}
    assert load_settings(environ=env).policies().default.max_duration_seconds == 900


def test_decision_retention():
    assert load_settings(environ={}).decision_retention_days == 0  # keep every decision
    assert load_settings(environ={"SCREENING_DECISION_RETENTION_DAYS": "400"}).decision_retention_days == 400
    with pytest.raises(ConfigError, match="at least 3"):
        load_settings(environ={"SCREENING_DECISION_RETENTION_DAYS": "2"},
                      policy={"velocity": {"window_seconds": 3 * 86400}})


def test_tls_settings_come_together():
    settings = load_settings(environ={"SCREENING_TLS_CERT": "s.pem", "SCREENING_TLS_KEY": "s.key"})
    assert (settings.tls_cert, settings.tls_key, settings.tls_client_ca) == ("s.pem", "s.key", "")
    with pytest.raises(ConfigError, match="tls_cert and tls_key: set both"):
        load_settings(environ={"SCREENING_TLS_KEY": "s.key"})
    with pytest.raises(ConfigError, match="tls_client_ca: client certificates need TLS"):
        load_settings(environ={"SCREENING_TLS_CLIENT_CA": "ca.pem"})


def test_missing_config_file():
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings("/nonexistent/screening.toml", environ={})


def test_kubernetes_service_variables_are_not_settings():
    env = {"SCREENING_PORT": "tcp://10.0.0.1:50051", "SCREENING_SERVICE_HOST": "10.0.0.1"}
    assert load_settings(environ=env).listen == "127.0.0.1:50051"


def test_the_readme_example_config_is_valid(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = readme.split("# /etc/screening/screening.toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.toml"
    path.write_text(example)
    policies = load_settings(str(path), environ={}).policies()
    assert policies.for_facility("LP-NUSAKAMBANGAN").velocity.max_attempts == 5
    assert policies.for_facility("LP-NUSAKAMBANGAN").calling_hours.sessions
