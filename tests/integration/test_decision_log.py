"""The decision log on a real SQLite file: what only that backend has. What
every backend does is in tests/contract/test_decision_log_contract.py."""

import os
import stat

from screening.adapters.sqlite.decision_log import SqliteDecisionLog
from screening.domain.model import ScreenRequest
from screening.domain.engine import ScreeningEngine
from screening.domain.lists import Allowlist, ListSnapshot, NumberTable
from screening.domain.policy import build_policy_set

from decision_calls import log_call


def test_the_log_file_is_its_owners_only(tmp_path):
    path = tmp_path / "decisions.db"
    engine = ScreeningEngine(build_policy_set({}), ListSnapshot(1, Allowlist([]), NumberTable([])))
    request = ScreenRequest("c-1", "LP-A", "A-1", "+6281234567890")
    with SqliteDecisionLog(path) as log:
        log_call(log, request, engine.screen(request))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
