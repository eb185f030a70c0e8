"""`screening decisions show CALL_ID`: one decision in full, with the list
entries its findings name as they stood at the decision's list version,
replayed from the change log, and what became of each since.

An entry is made by one add, import or baseline (ids are never reused),
then edited or removed: its history is the change log's entries for its id
(indexed by list and entry id), and, when it came in an import or a
baseline, that entry's rows.

A privileged call shows no number, no called party's name, and no entry
its findings name (the entry would tell the number).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from screening.domain.changelog import LogEntry
from screening.domain.entries import ENTRY_TYPES
from screening.domain.records import Record
from screening.service.investigations import search_decisions
from screening.service.ports import DecisionLog, DecisionQuery, Store, StoreError

PRIVILEGED_ENTRY = "not shown: a privileged call"


@dataclass
class EntryHistory:
    entry: str  # LIST:ID
    then: Record | None = None  # as it stood at the decision's list version; None: not there (or not shown)
    note: str = ""  # why there is none, or that it is not shown
    since: list[dict[str, Any]] = field(default_factory=list)  # the changes after that version


def explain(store: Store, log: DecisionLog, call_id: str, facility: str = "") -> dict[str, Any]:
    """The decision (as search_decisions gives it) and, under "entries",
    the history of each entry its findings name."""
    found = list(search_decisions(log, DecisionQuery(call_id=call_id, facility=facility)))
    if not found:
        where = f" at facility {facility!r}" if facility else ""
        raise StoreError(f"no decision for call_id {call_id!r}{where} (screening decisions list finds them)")
    if len(found) > 1:
        facilities = ", ".join(sorted(d["facility_id"] for d in found))
        raise StoreError(f"call_id {call_id!r} was screened at several facilities ({facilities}); "
                         "say which with --facility")
    [decision] = found
    named = list(dict.fromkeys(f["entry_id"] for f in decision["findings"] if f["entry_id"]))
    if not decision["record"]:
        histories = [EntryHistory(entry, note=PRIVILEGED_ENTRY) for entry in named]
    else:
        histories = [entry_history(store, entry, decision["list_version"]) for entry in named]
    return {**decision, "entries": [vars(history) for history in histories]}


def entry_history(store: Store, entry: str, version: int) -> EntryHistory:
    list_name, _, number = entry.partition(":")
    if list_name not in ENTRY_TYPES or not number.isdigit():
        return EntryHistory(entry, note="not a list entry")
    entry_id = int(number)
    timeline = _timeline(store, list_name, entry_id)
    history = EntryHistory(entry)
    for log_entry, record in timeline:
        if log_entry.version <= version:
            history.then = record
        else:
            history.since.append(_change(log_entry, record))
    if history.then is None:
        history.note = (f"not in the {list_name} at list version {version}" if timeline
                        else "the change log holds no change of it")
    return history


def _timeline(store: Store, list_name: str, entry_id: int) -> list[tuple[LogEntry, Record | None]]:
    """(change-log entry, the record after it; None once removed), oldest first."""
    own = [(e, None if e.action == "remove" else e.after) for e in store.log(list_name=list_name, entry_id=entry_id)
           if e.action in ("add", "edit", "remove")]
    if not any(e.action == "add" for e, _ in own):  # it came in an import or a baseline
        for bulk in store.log(list_name=list_name):
            if bulk.action in ("import", "baseline") and bulk.rows:
                record = next((r for r in store.log_rows(bulk.version) if r.get("id") == entry_id), None)
                if record is not None:
                    own.append((bulk, record))
    return sorted(own, key=lambda item: item[0].version)


def _change(log_entry: LogEntry, record: Record | None) -> dict[str, Any]:
    change = {"version": log_entry.version, "at": log_entry.at, "actor": log_entry.actor,
              "action": log_entry.action, "reason": log_entry.reason}
    if log_entry.action == "edit" and log_entry.before and record:
        change["changed"] = {name: [log_entry.before.get(name), value] for name, value in record.items()
                             if log_entry.before.get(name) != value and name not in ("created_at", "created_by")}
    return change
