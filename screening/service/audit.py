"""Auditing the lists: is the change log intact, and do the lists' tables
hold exactly what it replays to?

`verify` checks, and names the first bad entry of each kind:
1. the chain: every entry's hash covers its content and the previous hash,
   versions count up by one, an import's rows match its digest, and with
   the HMAC key every entry since the key was first used carries a valid
   MAC (the newest one always);
2. the tables: replaying the log from empty (legacy entries, from before
   the change log, are history only; a baseline sets a list whole) gives
   exactly the entries in the lists' tables, field by field;
3. with a head written down earlier (VERSION:HASH), the chain still holds
   that entry: a cut-off tail shows.
Replay keeps one small digest per entry, not the entries: a national list
of millions fits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from screening.domain.approvals import policy_record, shown
from screening.domain.changelog import GENESIS, LogEntry, canonical, chain_hash, entry_mac
from screening.domain.entries import AlertEntry
from screening.domain.records import Record
from screening.domain.snapshots import LISTS
from screening.service.ports import AuditView, Store, StoreError

# Every table the change log covers: the engine's lists and the hot numbers.
AUDITED = (*LISTS, AlertEntry.LIST)


@dataclass
class Verification:
    entries: int = 0
    version: int = 0
    head: str = ""
    authenticated: int = 0  # entries whose MAC was checked
    problems: list[str] = field(default_factory=list)
    policy_entry: LogEntry | None = None  # the newest "policy" entry: what the stored policy must be

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store: Store, key: bytes | None = None, head: tuple[int, str] | None = None) -> Verification:
    with store.audit_view() as view:
        result = Verification(version=view.version)
        replayed = {name: {} for name in AUDITED}
        newest = _check_chain(view, key, result, replayed)
        policy_problem = _policy_problem(view, result)
        if policy_problem:
            result.problems.append(policy_problem)
        if newest is not None:
            result.head = newest.head
        if (newest.version if newest else 0) != view.version:
            result.problems.append(f"the list version is {view.version}, but the change log ends at version "
                                   f"{newest.version if newest else 0}")
        if head is not None:
            _check_head(view, head, result)
        for name in AUDITED:
            problem = _compare(name, replayed[name], view.records(name))
            if problem:
                result.problems.append(problem)
    return result


def _check_chain(view: AuditView, key: bytes | None, result: Verification,
                 replayed: dict[str, dict[int, bytes]]) -> LogEntry | None:
    previous: LogEntry | None = None
    first_bad = ""
    macs_seen = False
    for entry in view.entries():
        result.entries += 1
        expected_prev = previous.hash if previous else GENESIS
        problem = _link_problem(entry, previous, expected_prev) or _rows_problem(view, entry)
        if key and not problem:
            macs_seen, problem = _mac_problem(entry, key, macs_seen, result)
        if problem and not first_bad:
            first_bad = f"change log entry at version {entry.version}: {problem}"
        _replay(entry, view, replayed)
        if entry.action == "policy":
            result.policy_entry = entry
        previous = entry
    if key and previous is not None and not first_bad and not previous.mac:
        first_bad = (f"change log entry at version {previous.version}: the newest entry carries no MAC, so the "
                     "chain may have been rebuilt without the key")
    if first_bad:
        result.problems.append(first_bad)
    return previous


def _policy_problem(view: AuditView, result: Verification) -> str:
    """The approval policy in the store must be the one the newest "policy"
    entry set: one written with SQL, behind the CLI's back, is not."""
    try:
        stored, entry = view.approval_policy(), result.policy_entry
    except StoreError as error:  # not JSON, or not a policy: written behind the CLI's back too
        return str(error)
    if stored is None and entry is None:
        return ""
    if stored is not None and entry is not None and stored.version == entry.version \
            and policy_record(stored.policy) == entry.details.get("policy"):
        return ""
    kept = f"{shown(stored.policy)} (version {stored.version})" if stored else "none"
    logged = f"the one version {entry.version} set" if entry else "no policy"
    return f"the approval policy in the store is {kept}, but the change log holds {logged}: it was written " \
           f"behind the CLI's back"


def _link_problem(entry: LogEntry, previous: LogEntry | None, expected_prev: str) -> str:
    if previous is not None and entry.version != previous.version + 1:
        return (f"follows version {previous.version}: entries are missing, inserted or reordered")
    if entry.prev_hash != expected_prev:
        return "its previous hash is not the hash of the entry before it: an entry was deleted, inserted or reordered"
    if chain_hash(entry.prev_hash, entry) != entry.hash:
        return "its content does not match its hash: the entry was edited"
    return ""


def _rows_problem(view: AuditView, entry: LogEntry) -> str:
    if not entry.rows and not entry.rows_sha256:
        return ""
    digest, count = hashlib.sha256(), 0
    for lines, rows in view.rows(entry.version):
        digest.update(lines)
        count += rows
    if count != entry.rows or digest.hexdigest() != entry.rows_sha256:
        return f"its {entry.rows} rows do not match their digest: rows were edited, added or deleted"
    return ""


def _mac_problem(entry: LogEntry, key: bytes, seen: bool, result: Verification) -> tuple[bool, str]:
    if not entry.mac:
        return seen, "it carries no MAC, but entries before it do" if seen else ""
    result.authenticated += 1
    if entry.mac != entry_mac(key, entry.hash):
        return True, "its MAC is not valid for this key: the entry was rewritten without the key (or the key is wrong)"
    return True, ""


def _replay(entry: LogEntry, view: AuditView, replayed: dict[str, dict[int, bytes]]) -> None:
    if entry.details.get("legacy") or entry.list not in replayed:
        return
    state = replayed[entry.list]
    if entry.action in ("import", "baseline"):
        if entry.action == "baseline":
            state.clear()
        for record in _rows(view, entry.version):
            state[record["id"]] = _digest(record)
    elif entry.action == "remove":
        state.pop(entry.entry_id, None)
    elif entry.after is not None:
        state[entry.entry_id] = _digest(entry.after)


def _rows(view: AuditView, version: int) -> Iterator[Record]:
    for lines, _ in view.rows(version):
        for line in lines.splitlines():
            yield json.loads(line)


def _digest(record: Record) -> bytes:
    return hashlib.blake2b(canonical(record), digest_size=16).digest()


def _compare(list_name: str, replayed: dict[int, bytes], records: Iterator[Record]) -> str:
    """The first difference between a list's table and its replay, or ""."""
    seen = set()
    for record in records:
        entry_id = record["id"]
        seen.add(entry_id)
        expected = replayed.get(entry_id)
        if expected is None:
            return (f"{list_name} entry {entry_id} is in the table but the change log never added it "
                    f"(written directly into the database?)")
        if expected != _digest(record):
            return (f"{list_name} entry {entry_id} differs from what the change log says it is "
                    f"(edited directly in the database?)")
    missing = sorted(set(replayed) - seen)
    if missing:
        return (f"{list_name} entry {missing[0]} is missing from the table, but the change log never removed it "
                f"(deleted directly in the database?)" + (f"; {len(missing) - 1} more" if len(missing) > 1 else ""))
    return ""


def _check_head(view: AuditView, head: tuple[int, str], result: Verification) -> None:
    version, digest = head
    for entry in view.entries():
        if entry.version == version:
            if entry.hash != digest:
                result.problems.append(f"the head {version}:{digest} is not in the change log: entry {version} "
                                       f"has hash {entry.hash}")
            return
    result.problems.append(f"the change log does not reach the head {version}:{digest}: entries from version "
                           f"{version} on were cut off")
