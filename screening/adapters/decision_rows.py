"""A decision as a row of the decision log, the same on every backend:
which columns, how a privileged call loses its number and its called
party's name, the rows of the findings' side table (decision_findings), and
how a row comes back as the answer given (find) or as an archived decision
(prune), and the print of the call it answered (service.call_prints), which
a retry is compared with.

A row is a tuple in COLUMNS order, of str, int and float only (findings as
JSON text), so it also goes into a JSON spool unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from screening.domain.model import Decision, Finding, NumberType, Reason, ScreenRequest, Screening
from screening.service.call_prints import CallPrint, Logged, canonical_name, digest

PRIVILEGED_DETAIL = "privileged call: the number is not kept"
COLUMNS = ("facility_id, call_id, inmate_id, station_id, dialed_number, called_party_name, normalized_number, "
           "number_key, number_type, number_region, at, requested_at, decision, record, max_duration_seconds, "
           "list_version, findings, call_print")
NAMES = tuple(COLUMNS.split(", "))


def to_row(request: ScreenRequest, screening: Screening, call: CallPrint | None = None) -> tuple:
    """call: its print; None (benchmarks' rows) keeps none, as a row logged before prints were kept."""
    privileged = not screening.record
    findings = [[f.reason.name, f.effect.name, PRIVILEGED_DETAIL if privileged else f.detail, f.entry_id, f.score]
                for f in screening.findings]
    number = "" if privileged else screening.normalized_number
    return (
        request.facility_id, request.call_id, request.inmate_id, request.station_id,
        "" if privileged else request.dialed_number, "" if privileged else request.called_party_name, number,
        int(number[1:]) if number else 0, screening.number_type.name, screening.number_region, screening.at,
        request.requested_at.isoformat() if request.requested_at else "", screening.decision.name,
        int(screening.record), screening.max_duration_seconds, screening.list_version,
        json.dumps(findings, ensure_ascii=False), call.stored if call else "",
    )


_FINDINGS, _AT, _PRINT = NAMES.index("findings"), NAMES.index("at"), NAMES.index("call_print")


def finding_rows(decision_id: int, row: tuple) -> list[tuple[int, int, str, str, float]]:
    """The decision's rows of decision_findings: (decision_id, n, reason,
    entry_id, at), n the finding's place in the findings JSON."""
    return [(decision_id, n, finding[0], finding[3], row[_AT]) for n, finding in enumerate(json.loads(row[_FINDINGS]))]


def to_archived(row: tuple) -> dict[str, Any]:
    decision = dict(zip(NAMES, row, strict=True))
    decision["findings"] = [dict(zip(("reason", "effect", "detail", "entry_id", "score"), finding, strict=True))
                            for finding in json.loads(decision["findings"])]
    decision["record"] = bool(decision["record"])
    del decision["call_print"]  # a digest for retries, nothing an investigator reads
    return decision


def to_logged(row: tuple, key: bytes | None) -> Logged:
    """The answer a row holds, with the call it answered. A row without a
    print (logged before prints were kept, or spooled by that version: one
    column short) is compared by what it kept: the number and the name of a
    recorded call, nothing of a privileged one's. key None: a log that only
    reads, which compares nothing."""
    stored = row[_PRINT] if len(row) > _PRINT else ""
    inmate = row[NAMES.index("inmate_id")]
    if stored or key is None:
        return Logged(to_screening(row), CallPrint.from_stored(inmate, stored))
    number, name = row[NAMES.index("normalized_number")], row[NAMES.index("called_party_name")]
    recorded = bool(row[NAMES.index("record")])
    call = CallPrint(inmate, digest(key, "number", number) if recorded and number else None,
                     digest(key, "name", canonical_name(name)) if recorded else None)
    return Logged(to_screening(row), call)


def to_screening(row: tuple) -> Screening:
    (_, call_id, _, _, _, _, number, _, number_type, region, at, _, decision, record, duration, version,
     findings) = row[:_PRINT]
    return Screening(
        call_id=call_id,
        decision=Decision[decision],
        findings=tuple(Finding(Reason[r], detail, Decision[e], entry_id, score)
                       for r, e, detail, entry_id, score in json.loads(findings)),
        normalized_number=number,
        number_type=NumberType[number_type],
        number_region=region,
        record=bool(record),
        max_duration_seconds=duration,
        list_version=version,
        at=at,
    )
