"""Refused calls: every one counted elsewhere, the log gets the first of
each client and reason in a window, and the next line says how many it left out."""

import logging

from screening.adapters.grpc.refusal_log import RefusalLog


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def _log(now: list[float]):
    logger = logging.getLogger("test_refusal_log")
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    lines = Lines()
    logger.addHandler(lines)
    return RefusalLog(logger, every=10.0, clock=lambda: now[0]), lines


def test_a_flood_of_one_refusal_is_one_line_a_window_and_the_next_says_how_many():
    now = [100.0]
    refusals, lines = _log(now)
    for second in range(1000):  # a scanner: a thousand calls with no identity in 9.99 s
        now[0] = 100.0 + second / 100
        refusals.refused("unknown", "unauthenticated", "no client certificate")
    assert [r.getMessage() for r in lines.records] == ["refused a call: no client certificate"]
    now[0] = 110.0
    refusals.refused("unknown", "unauthenticated", "the bearer token is not one of a configured client")
    [_, second] = lines.records
    assert second.getMessage() == ("refused a call: the bearer token is not one of a configured client "
                                   "(999 more refused for unauthenticated since the last line, not logged one by one)")
    assert (second.client, second.reason, second.not_logged) == ("unknown", "unauthenticated", 999)
    now[0] = 125.0
    refusals.refused("unknown", "unauthenticated", "no client certificate")
    assert lines.records[-1].getMessage() == "refused a call: no client certificate"


def test_each_client_and_reason_has_its_own_window():
    now = [0.0]
    refusals, lines = _log(now)
    refusals.refused("unknown", "unauthenticated", "a")
    refusals.refused("lp-b", "permission_denied", "b")
    refusals.refused("lp-a", "permission_denied", "c")
    refusals.refused("lp-b", "permission_denied", "d")
    assert [r.getMessage() for r in lines.records] == ["refused a call: a", "refused a call: b", "refused a call: c"]
