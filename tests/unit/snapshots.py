"""Small lists and requests for unit tests of the core."""

from screening.domain.blocklist import BlockRow, BlockTable
from screening.domain.engine import ScreeningEngine
from screening.domain.lists import Allowlist, ListSnapshot, NumberTable
from screening.domain.model import BlockAction, PrivilegedKind, ScreenRequest
from screening.domain.numbers import normalize
from screening.domain.patterns import parse_pattern
from screening.domain.policy import build_policy_set


def key(number: str) -> int:
    return normalize(number, "ID").key


def make_snapshot(version=1, allow=(), privileged=(), blocked=()):
    """allow: (inmate, number[, facility[, contact name[, relationship]]]);
    privileged: numbers; blocked: (pattern, BlockAction[, Category, Scope, expires_at])."""
    allow_rows = sorted(
        ((a[0], key(a[1]), i + 1, a[2] if len(a) > 2 else "", *a[3:]) for i, a in enumerate(allow)),
        key=lambda r: (r[0], r[1]),
    )
    privileged_rows = sorted((key(n), i + 1, PrivilegedKind.ATTORNEY) for i, n in enumerate(privileged))
    blocked_rows = [BlockRow(i + 1, parse_pattern(b[0], "ID").text, b[1], *b[2:]) for i, b in enumerate(blocked)]
    return ListSnapshot(version, Allowlist(allow_rows), NumberTable(privileged_rows), BlockTable(blocked_rows))


def request(number: str, inmate="A-1", facility="LP-CIPINANG", call_id="call-1", **fields):
    return ScreenRequest(call_id=call_id, facility_id=facility, inmate_id=inmate, dialed_number=number, **fields)


# 2026-11-30 10:00 in Jakarta: a fixed clock keeps time-dependent rules exact.
MONDAY_10AM_JAKARTA = 1796007600.0


def engine_for(snapshot=None, policy=None, facilities=None, clock=lambda: MONDAY_10AM_JAKARTA):
    return ScreeningEngine(build_policy_set(policy, facilities), snapshot or make_snapshot(), clock=clock)
