"""Who may ask: the [clients.NAME] tables of the config, and each client's limits.

A client is a kiosk system (or a national switch) known by the names on its
mutual-TLS certificate or by a bearer token, of which only the sha256 is
kept. It may screen calls for its facility_ids only ("*": every facility),
watch decisions only with may_watch, and has its own caps on calls in
flight and calls per second, so one misbehaving system cannot starve the
others. Transport-free: the gRPC interceptor (adapters/grpc/auth.py) asks it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

EVERY_FACILITY = "*"
ANONYMOUS = "anonymous"  # the one client of a server with no [clients]: everyone who can reach it
_HEX = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # a metric label value: bounded, plain
_KEYS = ("facility_ids", "certificate_names", "token_sha256", "may_watch", "max_in_flight", "max_calls_per_second")


class ClientConfigError(ValueError):
    """A [clients.NAME] table that cannot be used; the message names it and its key."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


TOKEN_PREFIX = "scr_"


def new_token() -> str:
    """A fresh bearer token: 256 random bits as hex, after "scr_". Not
    base64: one in four URL-safe tokens starts with "-" and reads as an
    option to the clients' flag parsers (`--token -x...`). The prefix keeps
    a token pasted where its hash belongs from passing for a sha256."""
    return TOKEN_PREFIX + secrets.token_hex(32)


class TokenBucket:
    """`rate` calls a second, bursts of up to `rate`; never sleeps, O(1).
    rate 0: no cap."""

    def __init__(self, rate: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self._clock = clock
        self._tokens = float(rate)
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        if not self.rate:
            return True
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.rate), self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True


class InFlight:
    """Calls being answered for one client, capped; acquire() never waits."""

    def __init__(self, cap: int):
        self.cap = cap
        self.count = 0
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        with self._lock:
            if self.count >= self.cap:
                return False
            self.count += 1
            return True

    def release(self) -> None:
        with self._lock:
            self.count -= 1


@dataclass
class Client:
    name: str
    facility_ids: frozenset[str]
    certificate_names: frozenset[str] = frozenset()
    token_sha256: str = ""
    may_watch: bool = False
    max_in_flight: int = 16
    max_calls_per_second: int = 100
    in_flight: InFlight = field(init=False, repr=False)
    bucket: TokenBucket = field(init=False, repr=False)

    def __post_init__(self):
        self.in_flight = InFlight(self.max_in_flight)
        self.bucket = TokenBucket(self.max_calls_per_second)

    def may_screen_for(self, facility_id: str) -> bool:
        return EVERY_FACILITY in self.facility_ids or facility_id in self.facility_ids

    def watchable(self, wanted: Iterable[str]) -> list[str] | None:
        """The facilities a watch may see: those wanted ("" all) within the
        client's own. None: every facility (a client with "*", wanting all)."""
        wanted = list(wanted)
        if EVERY_FACILITY in self.facility_ids:
            return wanted or None
        if not wanted:
            return sorted(self.facility_ids)
        return [facility for facility in wanted if facility in self.facility_ids]


class Clients:
    """Every configured client, found by certificate name or token."""

    def __init__(self, clients: Iterable[Client]):
        self.all = list(clients)
        self._by_name = {name: client for client in self.all for name in client.certificate_names}
        self._hashes = [(client, bytes.fromhex(client.token_sha256)) for client in self.all if client.token_sha256]

    def __bool__(self) -> bool:
        return bool(self.all)

    @property
    def tokens(self) -> bool:
        return bool(self._hashes)

    def by_certificate(self, names: Iterable[str]) -> Client | None:
        for name in names:
            if name in self._by_name:
                return self._by_name[name]
        return None

    def by_token(self, token: str) -> Client | None:
        """Compared with every configured hash, in constant time each and
        without stopping at a match: the time taken says nothing of which
        client, or whether any, holds the token."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()
        found = None
        for client, expected in self._hashes:
            if hmac.compare_digest(digest, expected) and found is None:
                found = client
        return found


def anonymous(max_in_flight: int, max_calls_per_second: int) -> Client:
    """Everyone, as one client, on a server with no [clients]: every facility, may watch."""
    return Client(ANONYMOUS, frozenset({EVERY_FACILITY}), may_watch=True, max_in_flight=max_in_flight,
                  max_calls_per_second=max_calls_per_second)


def parse_clients(tables: Mapping[str, Any], max_in_flight: int, max_calls_per_second: int) -> Clients:
    """The [clients.NAME] tables; the defaults are the top-level client_* settings."""
    if not isinstance(tables, Mapping):
        raise ClientConfigError("[clients] must be a table of [clients.NAME] tables")
    clients = [_client(name, table, max_in_flight, max_calls_per_second) for name, table in tables.items()]
    _check_unique(clients, "certificate_names", lambda c: c.certificate_names)
    _check_unique(clients, "token_sha256", lambda c: {c.token_sha256} - {""})
    return Clients(clients)


def _client(name: str, table: Any, max_in_flight: int, max_calls_per_second: int) -> Client:
    where = f"[clients.{name}]"
    if not _NAME.fullmatch(name):
        raise ClientConfigError(f"{where}: a client's name is 1 to 64 letters, digits, '.', '_' or '-'")
    if not isinstance(table, Mapping):
        raise ClientConfigError(f"{where} must be a table")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ClientConfigError(f"{where} {unknown[0]}: unknown key (known: {', '.join(_KEYS)})")
    facilities = _strings(where, "facility_ids", table.get("facility_ids"))
    if not facilities:
        raise ClientConfigError(f"{where} facility_ids: name the facilities it screens for (\"*\" = every one)")
    names = _strings(where, "certificate_names", table.get("certificate_names", []))
    token = table.get("token_sha256", "")
    if not isinstance(token, str) or (token and not _HEX.fullmatch(token.lower())):
        raise ClientConfigError(f"{where} token_sha256: expected 64 hex digits (the sha256 of the token, "
                                "as `screening clients token` prints it)")
    if not names and not token:
        raise ClientConfigError(f"{where}: set certificate_names or token_sha256 (or both): how it is known")
    may_watch = table.get("may_watch", False)
    if not isinstance(may_watch, bool):
        raise ClientConfigError(f"{where} may_watch: expected true or false, got {may_watch!r}")
    return Client(name, frozenset(facilities), frozenset(names), token.lower(), may_watch,
                  _count(where, "max_in_flight", table.get("max_in_flight", max_in_flight), 1),
                  _count(where, "max_calls_per_second", table.get("max_calls_per_second", max_calls_per_second), 0))


def _strings(where: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ClientConfigError(f"{where} {key}: expected a list of non-empty strings")
    return value


def _count(where: str, key: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ClientConfigError(f"{where} {key}: expected a whole number of at least {minimum}, got {value!r}")
    return value


def _check_unique(clients: list[Client], key: str, values: Callable[[Client], Iterable[str]]) -> None:
    seen: dict[str, str] = {}
    for client in clients:
        for value in values(client):
            if value in seen:
                shown = "the same token" if key == "token_sha256" else repr(value)
                raise ClientConfigError(f"[clients.{client.name}] {key}: [clients.{seen[value]}] has {shown} "
                                        "too: one identity, one client")
            seen[value] = client.name
