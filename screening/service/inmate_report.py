"""`screening report inmate I`: one inmate's contacts, attempts, denials
and flags by reason, the numbers called, and the numbers shared with other
inmates (registered or called by them).

The inmate's attempts are read by the decision log's inmate index; each of
the inmate's numbers then by the number index and the allowlist's, so the
report costs what the inmate did, not what the log holds. Privileged
calls are counted and nothing more; privileged numbers never show.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from screening.domain.entries import AllowlistEntry
from screening.service.ports import DecisionLog, DecisionQuery, Store, StoreError
from screening.service.reports import (DECISIONS, Report, Table, Tally, number_query, privileged_numbers,
                                       recorded)

SUMMARY_COLUMNS = ("inmate", "attempts", *(d.lower() for d in DECISIONS), "privileged_calls", "numbers_called",
                   "first_at", "last_at")
CONTACT_COLUMNS = ("number", "name", "relationship", "facility_id", "attempts", "shared_with")
REASON_COLUMNS = ("reason", "denied", "flagged")
NUMBER_COLUMNS = ("number", "attempts", "first_at", "last_at", *(d.lower() for d in DECISIONS), "registered_as")
SHARED_COLUMNS = ("number", "registered_as", "other_inmates", "registered_by", "called_by", "names")


def inmate_report(store: Store, log: DecisionLog, inmate: str, since: float | None = None) -> Report:
    inmate = inmate.strip()
    if not inmate:
        raise StoreError("report inmate: give an inmate id")
    privileged = privileged_numbers(store)
    contacts = [c for c in store.entries(AllowlistEntry, inmate_id=inmate) if c.number not in privileged]
    overall, by_number, reasons, privileged_calls = _attempts(log, inmate, since, privileged)
    registered_as = {c.number: c.name for c in contacts}
    shared = _shared(store, log, inmate, [*registered_as, *(n for n in by_number if n not in registered_as)],
                     since, registered_as)
    shared_with = {row["number"]: len(row["other_inmates"]) for row in shared}
    summary = {"inmate": inmate, "attempts": overall.attempts + privileged_calls,
               **{d.lower(): overall.decisions[d] for d in DECISIONS}, "privileged_calls": privileged_calls,
               "numbers_called": len(by_number), "first_at": overall.first_at, "last_at": overall.last_at}
    tables = [
        Table("summary", SUMMARY_COLUMNS, [summary],
              "privileged calls are counted (in attempts and privileged_calls) and nothing more"),
        Table("contacts", CONTACT_COLUMNS,
              [{"number": c.number, "name": c.name, "relationship": c.relationship, "facility_id": c.facility_id,
                "attempts": by_number[c.number].attempts if c.number in by_number else 0,
                "shared_with": shared_with.get(c.number, 0)} for c in contacts]),
        Table("reasons", REASON_COLUMNS,
              [{"reason": reason, "denied": counts["DENY"], "flagged": counts["REVIEW"]}
               for reason, counts in sorted(reasons.items())]),
        Table("numbers", NUMBER_COLUMNS,
              sorted(({"number": number, **_tally(tally), "registered_as": registered_as.get(number, "")}
                      for number, tally in by_number.items()), key=lambda row: (-row["attempts"], row["number"]))),
        Table("shared", SHARED_COLUMNS, shared),
    ]
    return Report("inmate", {"inmate": inmate, "since": since}, tables)


def _attempts(log: DecisionLog, inmate: str, since: float | None, privileged: frozenset[str]):
    """The inmate's attempts: overall, per number, the denials and flags by
    reason, and how many were privileged."""
    overall, by_number = Tally(), {}
    reasons: dict[str, Counter] = {}
    privileged_calls = 0
    for decision in log.search(DecisionQuery(inmate=inmate, since=since)):
        if not decision["record"]:
            privileged_calls += 1
            continue
        overall.add(decision)
        outcome = decision["decision"]
        for reason in {f["reason"] for f in decision["findings"] if f["effect"] == outcome}:
            if outcome in ("DENY", "REVIEW"):  # the findings that made it a denial or a flag
                reasons.setdefault(reason, Counter())[outcome] += 1
        for kept in recorded([decision], privileged):
            by_number.setdefault(kept["normalized_number"], Tally()).add(kept)
    return overall, by_number, reasons, privileged_calls


def _tally(tally: Tally) -> dict[str, Any]:
    return {"attempts": tally.attempts, "first_at": tally.first_at, "last_at": tally.last_at,
            **{d.lower(): tally.decisions[d] for d in DECISIONS}}


def _shared(store: Store, log: DecisionLog, inmate: str, numbers: list[str], since: float | None,
            registered_as: dict[str, str]) -> list[dict[str, Any]]:
    """The inmate's numbers that other inmates registered or called."""
    rows = []
    for number in numbers:
        names: dict[str, list[str]] = {}
        for entry in store.entries(AllowlistEntry, number=number):
            if entry.inmate_id != inmate:
                names.setdefault(entry.inmate_id, []).append(entry.name)
        callers = {d["inmate_id"] for d in log.search(number_query(number, since))
                   if d["record"] and d["inmate_id"] != inmate}
        others = set(names) | callers
        if others:
            rows.append({"number": number, "registered_as": registered_as.get(number, ""),
                         "other_inmates": sorted(others), "registered_by": sorted(names),
                         "called_by": sorted(callers),
                         "names": [f"{other}: {' / '.join(names[other])}" for other in sorted(names)]})
    return rows
