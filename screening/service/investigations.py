"""Decision search for investigators: who tried to call this number, what
did this inmate dial, what hit that list entry. Filters combine (AND); each
is answered by the decision log's indexes, not a scan of every decision.
A called party's name is matched fuzzily against the distinct names the
log holds, then looked up exactly.

A privileged call keeps its promise here too: no number and no called
party's name comes out (search_decisions blanks them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from screening.domain.errors import InvalidEntry
from screening.domain.model import Decision, Reason
from screening.domain.patterns import key_ranges, parse_pattern
from screening.domain.entries import BlockEntry
from screening.domain.names import DEFAULT_REVIEW_THRESHOLD, NameIndex, normalize_name
from screening.service.ports import DecisionLog, DecisionQuery, Store, StoreError


def decision_query(region: str, number: str = "", decision: str = "", reason: str = "", entry: str = "",
                   source: str = "", called_name: str = "", store: Store | None = None,
                   log: DecisionLog | None = None, **fields: Any) -> DecisionQuery:
    """A query from what staff type: a number in any form or a pattern
    (+62812345*, 0812-3456-78??, a range), names in any case, an entry
    ("blocklist:42"), a source (a police report: every blocklist entry
    from it, as the store holds them now), a called party's name as
    written any way (the names in the log like it, see called_names_like)."""
    keys: tuple[tuple[int, int], ...] = ()
    if number:
        try:
            keys = tuple(key_ranges(parse_pattern(number, region)))
        except InvalidEntry as error:
            raise StoreError(f"--number: {error}") from None
    if entry and source:
        raise StoreError("--entry and --source: give one of them (a report's entries include the one you want)")
    entries = _from_source(store, source) if source else (entry,) if entry else ()
    names = called_names_like(log, called_name) if called_name else ()
    return DecisionQuery(number_keys=keys, decision=_member(Decision, "decision", decision),
                         reason=_member(Reason, "reason", reason), entries=entries, called_names=names, **fields)


def called_names_like(log: DecisionLog | None, name: str) -> tuple[str, ...]:
    """The called parties' names in the log like `name`, by the name matcher
    the watchlist uses (Indonesian spellings, words joined or split, titles
    dropped) at its review threshold: "Siti Nurhaliza" finds "Siti Nur
    Haliza" and "Sity Nurhalisa". The log's distinct names are matched in
    memory, a few tens of thousands; the decisions then by index."""
    if log is None:
        raise StoreError("--called-name needs the decision log, to find the names like it")
    if not normalize_name(name):
        raise StoreError(f"--called-name: {name!r} holds no name to look for (only titles or punctuation)")
    index = NameIndex(enumerate(log.called_names()))
    found = tuple(match.name for match in index.search(name, DEFAULT_REVIEW_THRESHOLD))
    if not found:
        raise StoreError(f"--called-name: no call in the decision log was to a name like {name!r}")
    return found


def _from_source(store: Store | None, source: str) -> tuple[str, ...]:
    if store is None:
        raise StoreError("--source needs the lists, to find the entries from that report")
    # Findings name entries as LIST:ID (domain.model.Finding.entry_id).
    found = tuple(f"{BlockEntry.LIST}:{entry.id}" for entry in store.entries(BlockEntry, source=source))
    if not found:
        raise StoreError(f"--source: no blocklist entry has the source {source!r} (screening blocklist list shows "
                         "each entry's source)")
    return found


def search_decisions(log: DecisionLog, query: DecisionQuery) -> Iterator[dict[str, Any]]:
    """The matching decisions, oldest first, as the log archives them,
    privileged calls without their number or called party's name."""
    for decision in log.search(query):
        if not decision["record"]:
            decision = {**decision, "dialed_number": "", "normalized_number": "", "called_party_name": ""}
        yield decision


def _member(kind, name: str, value: str) -> str:
    if not value:
        return ""
    wanted = value.strip().upper().replace("-", "_")
    if wanted not in kind.__members__ or wanted == "UNSPECIFIED":
        known = ", ".join(m.lower() for m in kind.__members__ if m != "UNSPECIFIED")
        raise StoreError(f"--{name}: {value!r} is not one of {known}")
    return wanted
