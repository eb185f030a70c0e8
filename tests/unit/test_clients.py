"""The clients' pure part: the token bucket, the in-flight cap, token look-up, config parsing."""

import pytest

from screening.config import ConfigError, load_settings
from screening.service.clients import (ClientConfigError, InFlight, TokenBucket, anonymous, new_token,
                                       parse_clients, token_hash)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_the_bucket_bursts_its_rate_then_refills_at_it():
    clock = Clock()
    bucket = TokenBucket(3, clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one and a half tokens
    assert [bucket.take(), bucket.take()] == [True, False]
    clock.now += 60  # an idle minute refills a burst, not sixty seconds' worth
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_a_rate_of_zero_is_no_cap():
    bucket = TokenBucket(0, Clock())
    assert all(bucket.take() for _ in range(10_000))


def test_in_flight_is_capped_and_released():
    calls = InFlight(2)
    assert [calls.acquire(), calls.acquire(), calls.acquire()] == [True, True, False]
    calls.release()
    assert calls.acquire() and calls.count == 2


TOKEN = new_token()


def tables(**extra):
    return {"lp-a": {"facility_ids": ["LP-A"], "token_sha256": token_hash(TOKEN), **extra},
            "national": {"facility_ids": ["*"], "certificate_names": ["switch.example"], "may_watch": True}}


def test_clients_are_found_by_token_or_certificate_name_with_their_limits():
    clients = parse_clients(tables(max_calls_per_second=5), 16, 100)
    assert clients.by_token(TOKEN).name == "lp-a"
    assert clients.by_token(new_token()) is None and clients.by_token("") is None
    assert clients.by_certificate(["other", "switch.example"]).name == "national"
    lp_a, national = clients.all
    assert (lp_a.max_in_flight, lp_a.max_calls_per_second, national.max_calls_per_second) == (16, 5, 100)
    assert lp_a.may_screen_for("LP-A") and not lp_a.may_screen_for("LP-B") and not lp_a.may_screen_for("lp-a")
    assert national.may_screen_for("LP-B")


def test_a_watch_is_narrowed_to_the_clients_facilities():
    lp_a = parse_clients({"x": {"facility_ids": ["LP-A", "LP-C"], "token_sha256": token_hash("t")}}, 1, 1).all[0]
    assert lp_a.watchable([]) == ["LP-A", "LP-C"]
    assert lp_a.watchable(["LP-B", "LP-C"]) == ["LP-C"]
    assert lp_a.watchable(["LP-B"]) == []
    assert anonymous(1, 1).watchable([]) is None and anonymous(1, 1).watchable(["LP-B"]) == ["LP-B"]


@pytest.mark.parametrize("change, says", [
    ({"facility_ids": "LP-A"}, "[clients.lp-a] facility_ids: expected a list of non-empty strings"),
    ({"token_sha256": TOKEN}, "[clients.lp-a] token_sha256: expected 64 hex digits"),
    ({"may_watch": "yes"}, "[clients.lp-a] may_watch: expected true or false, got 'yes'"),
    ({"max_calls_per_second": -1}, "[clients.lp-a] max_calls_per_second: expected a whole number of at least 0"),
    ({"certificate_names": ["switch.example"]},
     "[clients.national] certificate_names: [clients.lp-a] has 'switch.example' too: one identity, one client"),
    ({"maxinflight": 3}, "[clients.lp-a] maxinflight: unknown key"),
])
def test_bad_client_tables_name_the_client_and_key(change, says):
    with pytest.raises(ClientConfigError) as error:
        parse_clients(tables(**change), 16, 100)
    assert str(error.value).startswith(says)


def test_the_same_token_for_two_clients_is_refused_without_showing_it():
    both = tables()
    both["national"]["token_sha256"] = token_hash(TOKEN)
    with pytest.raises(ClientConfigError) as error:
        parse_clients(both, 16, 100)
    assert "the same token" in str(error.value) and token_hash(TOKEN) not in str(error.value)


def test_settings_read_clients_and_the_unauthenticated_setting(tmp_path):
    config = tmp_path / "screening.toml"
    config.write_text(f'allow_unauthenticated = true\nclient_max_in_flight = 4\n[clients.lp-a]\n'
                      f'facility_ids = ["LP-A"]\ntoken_sha256 = "{token_hash(TOKEN)}"\n')
    settings = load_settings(str(config), environ={})
    assert settings.allow_unauthenticated and settings.known_clients().all[0].max_in_flight == 4
    assert load_settings(environ={"SCREENING_ALLOW_UNAUTHENTICATED": "1"}).allow_unauthenticated
    assert not load_settings(environ={}).allow_unauthenticated
    with pytest.raises(ConfigError, match="allow_unauthenticated: expected true or false, got 'maybe'"):
        load_settings(environ={"SCREENING_ALLOW_UNAUTHENTICATED": "maybe"})
    config.write_text('[clients.lp-a]\nfacility_ids = []\ntoken_sha256 = "00"\n')
    with pytest.raises(ConfigError, match=rf"^{config}: \[clients.lp-a\] facility_ids: name the facilities"):
        load_settings(str(config), environ={})


def test_the_readme_client_table_is_valid(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("```toml\n[clients.cipinang]\n", 1)[1].split("```", 1)[0]
    config = tmp_path / "clients.toml"
    config.write_text("[clients.cipinang]\n" + block)
    [client] = load_settings(str(config), environ={}).known_clients().all
    assert (client.facility_ids, client.certificate_names) == ({"LP-CIPINANG"}, {"kiosk.cipinang.example"})
    assert (client.may_watch, client.max_in_flight, client.max_calls_per_second) == (False, 16, 100)


def test_new_tokens_are_hex_and_never_look_like_an_option():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert token.startswith("scr_") and len(token) == 68 and set(token[4:]) <= set("0123456789abcdef")
