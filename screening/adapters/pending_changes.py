"""The pending_changes table, the same on SQLite and PostgreSQL: changes
held for a second identity's approval (domain/approvals.py). Each store
calls these inside its own write transaction, with its change-log append,
so a step and its log entry commit together or not at all.

`execute(sql, params)` is the connection's; `mark` its placeholder ("?" or
"%s"). The SQL is this module's own, never request data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from screening.domain.approvals import PendingChange
from screening.service.ports import EntryNotFound, StoreError

COLUMNS = ("id", "kind", "summary", "payload", "requested_by", "display_name", "reason", "created_at",
           "expires_at", "status", "decided_by", "decided_at", "decision_reason")
# The log entry's action for each decision.
ACTION_OF = {"approved": "approve", "rejected": "reject", "expired": "expire"}
Execute = Callable[[str, Any], Any]


def insert(execute: Execute, mark: str, pending: PendingChange) -> int:
    row = _row_of(pending)
    columns = [c for c in COLUMNS if c != "id"]
    cursor = execute(f"INSERT INTO pending_changes ({', '.join(columns)}) "
                     f"VALUES ({', '.join(mark for _ in columns)}) RETURNING id", [row[c] for c in columns])
    return cursor.fetchone()[0]


def select(execute: Execute, mark: str, status: str = "", change_id: int = 0) -> list[PendingChange]:
    where, values = ["1 = 1"], []
    if status:
        where.append(f"status = {mark}")
        values.append(status)
    if change_id:
        where.append(f"id = {mark}")
        values.append(change_id)
    rows = execute(f"SELECT {', '.join(COLUMNS)} FROM pending_changes WHERE {' AND '.join(where)} ORDER BY id",
                   values).fetchall()
    return [_pending_of(dict(zip(COLUMNS, row))) for row in rows]


def decide(execute: Execute, mark: str, change_id: int, status: str, by: str, reason: str,
           at: datetime) -> PendingChange:
    """Mark a pending change decided; StoreError when it is not pending (any
    more): of two approvers at once, one wins."""
    if status not in ACTION_OF:
        raise ValueError(f"not a decision: {status!r}")
    found = select(execute, mark, change_id=change_id)
    if not found:
        raise EntryNotFound(f"no pending change {change_id}: `screening approvals list --all` shows them")
    if found[0].status != "pending":
        raise StoreError(f"pending change {change_id} is {found[0].status}, not pending: it cannot be "
                         f"{status} now")
    cursor = execute(f"UPDATE pending_changes SET status = {mark}, decided_by = {mark}, decided_at = {mark}, "
                     f"decision_reason = {mark} WHERE id = {mark} AND status = 'pending'",
                     [status, by, at.isoformat(), reason, change_id])
    if cursor.rowcount != 1:
        raise StoreError(f"pending change {change_id} was decided by someone else meanwhile")
    return select(execute, mark, change_id=change_id)[0]


def request_details(pending: PendingChange) -> dict[str, Any]:
    """What the change log keeps of a held change: enough to see what it was."""
    return {"approval": pending.id, "kind": pending.kind, "summary": pending.summary,
            "requested_by": pending.requested_by, "expires_at": pending.expires_at.isoformat(),
            "payload": pending.payload}


def decision_details(pending: PendingChange) -> dict[str, Any]:
    """Both identities, and what was decided."""
    return {"approval": pending.id, "kind": pending.kind, "summary": pending.summary,
            "requested_by": pending.requested_by, "decided_by": pending.decided_by, "status": pending.status}


def _row_of(pending: PendingChange) -> dict[str, Any]:
    return {"id": pending.id, "kind": pending.kind, "summary": pending.summary,
            "payload": json.dumps(pending.payload, sort_keys=True, ensure_ascii=False),
            "requested_by": pending.requested_by, "display_name": pending.display_name, "reason": pending.reason,
            "created_at": pending.created_at.isoformat(), "expires_at": pending.expires_at.isoformat(),
            "status": pending.status, "decided_by": pending.decided_by,
            "decided_at": pending.decided_at.isoformat() if pending.decided_at else "",
            "decision_reason": pending.decision_reason}


def _pending_of(row: dict[str, Any]) -> PendingChange:
    return PendingChange(
        kind=row["kind"], summary=row["summary"], payload=json.loads(row["payload"]),
        requested_by=row["requested_by"], display_name=row["display_name"], reason=row["reason"],
        created_at=_moment(row["created_at"]), expires_at=_moment(row["expires_at"]), status=row["status"],
        decided_by=row["decided_by"], decided_at=_moment(row["decided_at"]) if row["decided_at"] else None,
        decision_reason=row["decision_reason"], id=int(row["id"]))


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
