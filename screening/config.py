"""Settings: command-line flags over SCREENING_* variables over the config
file over defaults. The README's "Configuration" section lists every key."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from screening.domain.approvals import ApprovalPolicy, ApprovalsError, policy_of
from screening.domain.policy import PolicyError, PolicySet, build_policy_set, default_settings
from screening.service.clients import ClientConfigError, Clients, parse_clients

ENV_PREFIX = "SCREENING_"


class ConfigError(ValueError):
    """A setting that is unknown or has a bad value; the message names it."""


@dataclass(frozen=True)
class Settings:
    database: str = "screening.db"
    decision_log: str = ""  # SQLite file or PostgreSQL URL of the decision log; "" = <database>-decisions.db, or the database itself when it is PostgreSQL
    replica: str = ""  # this replica's name in a shared (PostgreSQL) decision log; "" = host name and process id
    decision_spool: str = "screening-decisions.spool"  # PostgreSQL: local file for decisions while the database is away
    spool_max_decisions: int = 100_000  # past this many spooled decisions, calls are refused (UNAVAILABLE)
    spool_max_age_seconds: float = 3600.0  # ... or once the oldest spooled decision is this old
    listen: str = "127.0.0.1:50051"
    metrics_listen: str = "127.0.0.1:9464"  # "" turns the metrics endpoint off
    reload_interval: float = 0.25  # seconds between list-version checks (one small query each)
    workers: int = 16  # gRPC worker threads
    grace_seconds: float = 5.0  # how long shutdown waits for calls in flight
    shutdown_delay_seconds: float = 0.0  # at shutdown, NOT_SERVING this long (still answering) before the port closes
    feed_buffer_events: int = 100_000  # decisions the monitoring feed keeps for consoles that resume
    feed_subscriber_buffer: int = 1000  # events a console may fall behind before it is cut off
    feed_max_subscribers: int = 8  # consoles at once; each holds a gRPC worker, so fewer than workers
    log_level: str = "INFO"  # DEBUG, INFO, WARNING, ERROR
    log_format: str = ""  # "json" (one event a line) or "text"; "" = json for `serve` (on stdout), text for the rest
    decision_retention_days: int = 0  # the server deletes older decisions hourly; 0 keeps them all
    tls_cert: str = ""  # PEM certificate chain for the gRPC port; "" = plaintext
    tls_key: str = ""  # its PEM private key
    tls_client_ca: str = ""  # PEM CA bundle: clients must present a certificate it signed (mutual TLS)
    audit_key_file: str = ""  # the change log's HMAC key, kept outside the database; "" = hashes only
    allow_unauthenticated: bool = False  # serve with no [clients]: anyone who reaches the port screens for every facility
    client_max_in_flight: int = 16  # a client's calls in flight at once, unless its [clients.NAME] says otherwise
    client_max_calls_per_second: int = 1000  # a client's calls a second (burst as many); 0 = no cap
    policy: Mapping[str, Any] = field(default_factory=dict)
    facilities: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    clients: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # [clients.NAME]: service/clients.py
    approvals: Mapping[str, Any] | None = None  # [approvals]: two-person changes (domain/approvals.py); None = none
    config_file: str = ""  # the file these came from, for the startup line (not a setting)

    def audit_key(self) -> bytes | None:
        """The change log's HMAC key, read from audit_key_file (None when unset)."""
        if not self.audit_key_file:
            return None
        try:
            key = Path(self.audit_key_file).read_bytes().strip()
        except OSError as error:
            raise ConfigError(f"audit_key_file: cannot read {self.audit_key_file}: {error.strerror}") from None
        if len(key) < 16:
            raise ConfigError(f"audit_key_file: {self.audit_key_file} holds {len(key)} bytes; an HMAC key needs "
                              "at least 16 (e.g. head -c 32 /dev/urandom | base64 > FILE)")
        return key

    def known_clients(self) -> Clients:
        try:
            return parse_clients(self.clients, self.client_max_in_flight, self.client_max_calls_per_second)
        except ClientConfigError as error:
            raise ConfigError(f"{self.config_file}: {error}" if self.config_file else str(error)) from None

    def approval_policy(self) -> ApprovalPolicy:
        """Which changes wait for a second identity's approval ([approvals])."""
        try:
            return policy_of(self.approvals)
        except ApprovalsError as error:
            raise ConfigError(f"{self.config_file}: {error}" if self.config_file else str(error)) from None

    def policies(self) -> PolicySet:
        try:
            return build_policy_set(self.policy, self.facilities)
        except PolicyError as error:
            raise policy_error(error, self.config_file) from None
        except ValueError as error:
            raise ConfigError(str(error)) from None


def policy_error(error: PolicyError, config_file: str, from_environment=()) -> ConfigError:
    """The error, saying where its setting came from: the environment
    variable (`from_environment`: the [policy] keys SCREENING_POLICY_* set),
    else the config file."""
    if error.table == "policy" and error.key in from_environment:
        return ConfigError(f"{ENV_PREFIX}POLICY_{error.key.upper()}{str(error)[len(f'[policy] {error.key}'):]}")
    return ConfigError(f"{config_file}: {error}" if config_file else str(error))


_TABLES = ("policy", "facilities", "clients", "approvals")
_SCALARS = {f.name: f for f in fields(Settings) if f.name not in (*_TABLES, "config_file")}
_ZERO_ALLOWED = ("decision_retention_days", "client_max_calls_per_second", "shutdown_delay_seconds")
_ADDRESSES = ("listen", "metrics_listen")  # HOST:PORT ("" turns metrics off)
_CHOICES = {"log_level": ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), "log_format": ("", "json", "text")}


def load_settings(config_file: str | None = None, environ: Mapping[str, str] | None = None,
                  **flags: Any) -> Settings:
    """Settings from defaults, then the config file, then the environment,
    then flags (those that are not None)."""
    environ = os.environ if environ is None else environ
    config_file = config_file or environ.get(ENV_PREFIX + "CONFIG") or None
    values: dict[str, Any] = {}
    if config_file:
        values.update(_read_file(config_file))
    values.update(_from_environment(environ))
    from_environment = tuple(values.get("policy_env", {}))
    if "policy" in values or "policy_env" in values:
        values["policy"] = {**values.get("policy", {}), **values.pop("policy_env", {})}
    values.update({k: v for k, v in flags.items() if v is not None})
    settings = Settings(**{k: _coerce(k, v) for k, v in values.items()}, config_file=config_file or "")
    try:  # fail now, naming the bad key and where it came from, rather than on first use
        policies = build_policy_set(settings.policy, settings.facilities)
    except PolicyError as error:
        raise policy_error(error, settings.config_file, from_environment) from None
    settings.approval_policy()  # a bad [approvals] fails now too, naming its key
    if settings.decision_retention_days:
        check_retention("decision_retention_days", settings.decision_retention_days, policies)
    if bool(settings.tls_cert) != bool(settings.tls_key):
        raise ConfigError("tls_cert and tls_key: set both (TLS) or neither (plaintext)")
    if settings.feed_max_subscribers >= settings.workers:
        raise ConfigError(f"feed_max_subscribers: {settings.feed_max_subscribers} monitoring streams could hold "
                          f"every one of the {settings.workers} gRPC workers and leave none for ScreenCall; "
                          f"set it below workers (at most {settings.workers - 1}), or raise workers")
    if settings.tls_client_ca and not settings.tls_cert:
        raise ConfigError("tls_client_ca: client certificates need TLS: set tls_cert and tls_key too")
    settings.known_clients()  # [clients.NAME] tables: checked now, naming the table and key
    return settings


def check_retention(name: str, days: int, policies: PolicySet) -> None:
    """Decisions younger than the behavioural rules' windows must stay: the
    server rebuilds the windows from them when it starts."""
    if days * 86400 < policies.history_seconds:
        needed = -(-policies.history_seconds // 86400)
        raise ConfigError(f"{name}: {days} days would delete decisions the behavioural rules still look at "
                          f"(their longest window is {policies.history_seconds} s): at least {needed}")


def _read_file(path: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config file {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    for key in data:
        if key not in _SCALARS and key not in _TABLES:
            known = ", ".join([*_SCALARS, *_TABLES])
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {known})")
    return data


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        key = name[len(ENV_PREFIX):].lower()
        if key in _SCALARS:
            values[key] = value
        elif key.startswith("policy_") and not _KUBERNETES.search(name):
            _check_policy_variable(name, key[len("policy_"):])
            values.setdefault("policy_env", {})[key[len("policy_"):]] = _policy_value(name, key, value)
        # Anything else is ignored: Kubernetes sets SCREENING_PORT,
        # SCREENING_SERVICE_HOST, ... for a service named "screening".
    return values


# What Kubernetes sets for a service (here one named "screening-policy..."):
# not a policy setting, and no reason to refuse to start.
_KUBERNETES = re.compile(r"_(SERVICE_HOST|SERVICE_PORT(_\w+)?|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)$")


def _check_policy_variable(name: str, key: str) -> None:
    """An unknown SCREENING_POLICY_* is an error, as an unknown key in the
    file is: a typo must not leave the default silently in force."""
    defaults = default_settings()
    if key in defaults and isinstance(defaults[key], dict):
        raise ConfigError(f"{name}: [policy] {key} is a table; set it in the config file")
    if key in defaults:
        return
    scalars = [k for k, v in defaults.items() if not isinstance(v, dict)]
    close = difflib.get_close_matches(key, scalars, n=1)
    hint = f"did you mean {ENV_PREFIX}POLICY_{close[0].upper()}?" if close else \
        "known: " + ", ".join(f"{ENV_PREFIX}POLICY_{k.upper()}" for k in scalars)
    raise ConfigError(f"{name} is not a policy setting ({hint})")


def _policy_value(name: str, key: str, value: str) -> Any:
    default = default_settings()[key[len("policy_"):]]
    if isinstance(default, bool):
        return _boolean(name, value)
    if isinstance(default, int):
        return _integer(name, value)
    return value


def _coerce(key: str, value: Any) -> Any:
    if key in _TABLES:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{key} must be a table")
        return value
    kind = _SCALARS[key].type
    if kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        choices = _CHOICES.get(key)
        if choices and value.upper() not in map(str.upper, choices):
            raise ConfigError(f"{key}: expected one of {', '.join(c for c in choices if c)}, got {value!r}")
        if key in _ADDRESSES and value:
            _check_address(key, value)
        return value.lower() if key == "log_format" else value
    if kind == "bool":
        return value if isinstance(value, bool) else _boolean(key, str(value))
    if kind == "int":
        return _integer(key, value, minimum=0 if key in _ZERO_ALLOWED else 1)
    if kind == "float":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key}: expected a number, got {value!r}") from None
        if key in _ZERO_ALLOWED and number == 0:
            return number
        if not number > 0:
            raise ConfigError(f"{key}: must be greater than 0, got {value!r}")
        return number
    raise AssertionError(kind)


def _check_address(key: str, value: str) -> None:
    """HOST:PORT with a port that exists: gRPC would quietly take 70000 as
    4464 (70000 - 65536), and the metrics server would fail on it."""
    host, sep, port = value.rpartition(":")
    if not sep or not (port.isascii() and port.isdigit()):
        raise ConfigError(f"{key}: {value!r} is not HOST:PORT")
    if int(port) > 65535:
        raise ConfigError(f"{key}: port {int(port)} in {value!r} is out of range (0-65535)")


def _integer(key: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected a whole number, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: expected a whole number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{key}: must be at least {minimum}, got {value!r}")
    return number


def _boolean(key: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{key}: expected true or false, got {value!r}")
