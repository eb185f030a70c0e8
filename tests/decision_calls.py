"""Calls and an engine for the decision-log tests: one approved family
number, one lawyer, a velocity limit of 3 in 10 minutes."""

from screening.domain.engine import ScreeningEngine
from screening.domain.lists import Allowlist, ListSnapshot, NumberTable
from screening.domain.model import PrivilegedKind, ScreenRequest
from screening.domain.policy import build_policy_set

FAMILY, LAWYER = 6281234567890, 62215551234
POLICY = {"velocity": {"max_attempts": 3, "window_seconds": 600}}


def engine():
    lists = ListSnapshot(4, Allowlist([("A-1", FAMILY, 1, "")]), NumberTable([(LAWYER, 2, PrivilegedKind.ATTORNEY)]))
    return ScreeningEngine(build_policy_set(POLICY), lists)


def call(call_id, number=f"+{FAMILY}", inmate="A-1"):
    return ScreenRequest(call_id, "LP-A", inmate, number, station_id="K-7", called_party_name="Ibu Siti")


def log_call(log, request, screening):
    """log.append as the screener calls it, with the call's print; returns the answer logged."""
    from screening.domain.numbers import normalize
    from screening.service.call_prints import call_print

    return log.append(request, screening, call_print(log.call_key(), request, normalize(request.dialed_number, "ID"))).screening
