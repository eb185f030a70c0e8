"""The store_settings table, the same on SQLite and PostgreSQL: settings
that bind the store rather than a command line. Today one, "approvals":
the approval policy in force (service/approval_policy.py). Each store
calls these inside its own write transaction, with its change-log entry,
so a setting and its entry commit together or not at all.

`execute(sql, params)` is the connection's; `mark` its placeholder ("?" or
"%s"). The SQL is this module's own, never request data.
"""

from __future__ import annotations

import json

from screening.adapters.pending_changes import Execute
from screening.domain.approvals import ApprovalPolicy, ApprovalsError, StoredPolicy, policy_of, policy_record
from screening.service.ports import PolicyChanged, StoreError

APPROVALS = "approvals"


def approval_policy(execute: Execute, mark: str) -> StoredPolicy | None:
    row = execute(f"SELECT value, version, set_by FROM store_settings WHERE key = {mark}", [APPROVALS]).fetchone()
    if row is None:
        return None
    try:
        policy = policy_of(json.loads(row[0]))
    except (ValueError, ApprovalsError) as error:  # only a write behind the CLI's back gets here
        raise StoreError(f"the approval policy in the store is unreadable ({error}): "
                         f"`screening audit verify`, then `screening approvals policy --require ...`") from None
    return StoredPolicy(policy, int(row[1]), row[2])


def check_unchanged(execute: Execute, mark: str, expected: int) -> None:
    """PolicyChanged when the policy is no longer the one read as `expected`
    (its version, 0 for none): another process set it meanwhile."""
    found = approval_policy(execute, mark)
    if (found.version if found else 0) != expected:
        raise PolicyChanged("the approval policy in the store was changed by someone else meanwhile: run the "
                         "command again")


def put_approval_policy(execute: Execute, mark: str, policy: ApprovalPolicy, version: int, by: str) -> None:
    value = json.dumps(policy_record(policy), sort_keys=True)
    execute(f"INSERT INTO store_settings (key, value, version, set_by) VALUES ({mark}, {mark}, {mark}, {mark}) "
            f"ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, "
            f"set_by = excluded.set_by", [APPROVALS, value, version, by])
