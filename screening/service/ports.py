"""The ports: what the use cases need from the outside, as interfaces every
backend implements (adapters/sqlite today), and the errors they raise.

- Store: where the lists live. The reloader reads it and the list changes
  write it; the engine never talks to one.
- DecisionLog: every answered call, durable before it is answered.

Backends: adapters/sqlite (one process owns the files) and adapters/postgres
(several replicas share one database; the methods with a default here are
where that differs).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from screening.domain.approvals import ApprovalPolicy, PendingChange, StoredPolicy
from screening.domain.behaviour import Attempt
from screening.domain.changelog import LogEntry
from screening.domain.entries import BlockEntry, Change, Entry
from screening.domain.lists import ListSnapshot
from screening.domain.model import ScreenRequest, Screening
from screening.domain.records import Record
from screening.domain.snapshots import Delta, ListRows, build_snapshot
from screening.service.call_prints import CallPrint, Logged

# Rows a prune deletes per transaction: calls wait for the log's lock at most
# that long (a few milliseconds).
PRUNE_BATCH = 2000
# archive(decisions): keeps them somewhere before they are deleted; each a
# dict of the log's columns, findings as a list.
Archive = Callable[[list[dict[str, Any]]], None]


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message says why."""


class EntryExists(StoreError):
    pass


class EntryNotFound(StoreError):
    pass


class PolicyChanged(StoreError):
    """The approval policy was set by another process since it was read
    (Store.set_approval_policy): read it again."""


class LogUnavailable(StoreError):
    """A decision cannot be made durable (the database is away and the local
    spool is past its bound): the call is refused, never answered unrecorded."""


@dataclass(frozen=True)
class LogHealth:
    """How the decision log stands, for health, metrics and logs."""

    reachable: bool = True  # the database answered the last write or probe
    last_reachable: float | None = None  # Unix time it last did; None: never, or not applicable
    spooled: int = 0  # decisions in the local spool, waiting for the database
    spool_bytes: int = 0
    spool_oldest: float | None = None  # Unix time of the oldest spooled decision
    failing_closed: bool = False  # past the spool's bound: calls are refused


@dataclass(frozen=True)
class AuditView:
    """What `audit verify` reads, all at one list version."""

    version: int
    entries: Callable[[], Iterator[LogEntry]]  # the change log, oldest first
    rows: Callable[[int], Iterator[tuple[bytes, int]]]  # an entry's stored row lines and their count, by chunk
    records: Callable[[str], Iterator[Record]]  # a list's table, by id
    # The approval policy the store keeps (store_settings), at that version.
    approval_policy: Callable[[], StoredPolicy | None] = lambda: None


@dataclass(frozen=True)
class DecisionQuery:
    """What DecisionLog.search looks for; every filter set must hold (AND).
    service.investigations builds one from what staff type."""

    number_keys: tuple[tuple[int, int], ...] = ()  # [low, high) lookup-key ranges; () = any number
    inmate: str = ""
    facility: str = ""
    station: str = ""
    decision: str = ""  # a Decision name
    reason: str = ""  # a Reason name: some finding has it
    entries: tuple[str, ...] = ()  # ("blocklist:42", ...): some finding names one of them; () = any
    called_names: tuple[str, ...] = ()  # the called party's name is one of these, exactly; () = any
    since: float | None = None  # Unix time, inclusive
    until: float | None = None  # Unix time, exclusive
    call_id: str = ""  # one call attempt (unique with its facility)


class _Closing(ABC):
    """Closed when done, also as a context manager."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Store(_Closing):
    @abstractmethod
    def list_version(self) -> int:
        """Bumped by every change to any list."""

    @abstractmethod
    def read_lists(self) -> AbstractContextManager[ListRows]:
        """Every list's rows at one consistent version (domain.snapshots
        says what a row holds), readable while the context is open."""

    def snapshot(self) -> ListSnapshot:
        """Every list at one consistent version, built in memory."""
        with self.read_lists() as rows:
            return build_snapshot(rows)

    @abstractmethod
    def add(self, entry: Entry, change: Change) -> Entry:
        """Store a new entry; returns it with its id and audit fields.
        Raises EntryExists when an entry with the same key is there."""

    @abstractmethod
    def remove(self, entry_type: type, key: dict[str, str], change: Change) -> Entry:
        """Delete the entry of that type with that key (entry_type.KEY fields,
        or {"id": N}: the entry id); returns what was deleted. Raises
        EntryNotFound."""

    @abstractmethod
    def import_entries(self, entry_type: type, rows: Iterable[tuple[int, Entry, str]], change: Change,
                       on_duplicate: Callable[[int, bool], None], finish: Callable[[int], dict | None]) -> int:
        """Add many entries of one list in ONE transaction: a bulk import.

        rows are (line number, entry, reason), read lazily; each entry is
        stored as created now, by change.actor, for its reason. An entry whose
        key is already there is not added: on_duplicate(line, in_file) is told
        whether an earlier row added it (in_file) or the list had it before.
        After the last row, finish(added) decides: the import's details,
        committed with one 'import' audit record and one list version, or None
        to change nothing. Returns how many entries were added, 0 when nothing
        was."""

    @abstractmethod
    def entries(self, entry_type: type, **filters: str | Collection[str]) -> Iterator[Entry]:
        """Entries of one list, oldest first, optionally filtered by fields as
        the table stores them: a value, the field equal to it; a list, tuple
        or set, equal to any of them (an empty one: no entry). StoreError names a
        field the list does not have."""

    @abstractmethod
    def ranges_covering(self, e164: str) -> Iterator[BlockEntry]:
        """The blocklist's ranges (+LOW..+HIGH) that hold this number, oldest
        first, found by the database: what `blocklist list --number` needs
        that no equal field gives (service.list_queries)."""

    @abstractmethod
    def stream(self, entry_type: type) -> Iterator[Entry]:
        """Every entry of one list, oldest first, as one consistent read, one
        at a time: an export of millions never holds them all."""

    @abstractmethod
    def edit(self, entry_type: type, key: dict[str, str], changes: dict[str, Any],
             change: Change) -> tuple[Entry, Entry]:
        """Change fields (not the key) of the entry with that key (as
        remove's); returns it (before, after), the same entry twice when
        nothing changed (no version, no log entry). Raises EntryNotFound."""

    @abstractmethod
    def head(self) -> LogEntry | None:
        """The newest change-log entry, None before the first change."""

    @abstractmethod
    def identity(self) -> str:
        """Who is changing the lists, as this backend knows it and the
        caller cannot choose: what every Change.actor is (SQLite: the
        operating-system user, PostgreSQL: the session's role)."""

    @abstractmethod
    def request_change(self, pending: PendingChange, change: Change) -> PendingChange:
        """Hold a change for approval: store it with its id, and append a
        "request" entry (list "approvals") to the change log, together."""

    @abstractmethod
    def pending_changes(self, status: str = "", change_id: int = 0) -> list[PendingChange]:
        """Held changes, oldest first, by status and id ("" and 0: all)."""

    @abstractmethod
    def approval_policy(self) -> StoredPolicy | None:
        """The approval policy in force as the store keeps it; None when none
        was ever set (service/approval_policy.py)."""

    @abstractmethod
    def set_approval_policy(self, policy: ApprovalPolicy, change: Change, expected: int,
                            details: dict | None = None) -> StoredPolicy:
        """Keep `policy` as the one in force, with its "policy" entry (list
        "approvals") naming change.actor and the policy, together. expected:
        the version of the policy it replaces (0 for none); PolicyChanged
        when another process set one meanwhile."""

    @abstractmethod
    def decide_change(self, change_id: int, status: str, change: Change) -> PendingChange:
        """Mark a pending change approved, rejected or expired, decided by
        change.actor for change.reason, with its "approve", "reject" or
        "expire" log entry, together. StoreError when it is no longer
        pending; EntryNotFound when there is no such change."""

    @abstractmethod
    def record_access(self, change: Change, what: dict[str, Any]) -> LogEntry:
        """Append a "report" entry to the change log: who read personal data
        (change.actor, change.reason), when, and what (which report, which
        filters). It changes no list; it takes the next version, like every
        entry, so the chain and `audit verify` stay whole. Raises StoreError
        on a read-only store."""

    @abstractmethod
    def log(self, since: str = "", until: str = "", actor: str = "", list_name: str = "",
            entry_id: int = 0) -> Iterator[LogEntry]:
        """Change-log entries, oldest first, filtered by equal fields and by
        time (ISO 8601: since <= at < until)."""

    @abstractmethod
    def log_rows(self, version: int) -> Iterator[Record]:
        """The rows an import or baseline entry keeps."""

    @abstractmethod
    def audit_view(self) -> AbstractContextManager[AuditView]:
        """The change log and the lists' tables at one version, for `audit verify`."""

    @abstractmethod
    def read_changes(self, since: int, max_rows: int) -> Delta | None:
        """What changed after list version `since`, from the change log, up
        to the current version; None when that is more than max_rows rows,
        or holds a baseline: then loading the lists whole is cheaper."""

    def wait_for_change(self, timeout: float) -> bool:
        """Return True when told the lists changed, or False after `timeout`
        seconds. A backend that is told of changes (PostgreSQL's NOTIFY)
        returns early; this one just waits, and the reloader polls."""
        threading.Event().wait(timeout)
        return False


class DecisionLog(_Closing):
    @abstractmethod
    def find(self, facility_id: str, call_id: str) -> Logged | None:
        """The answer already given to this call attempt, if any, with the
        call it answered (queued, spooled or stored alike)."""

    @abstractmethod
    def append(self, request: ScreenRequest, screening: Screening, call: CallPrint) -> Logged:
        """Write the answer durably, with the call's print; returns it, or
        the answer logged first (with the print of ITS call: the caller
        compares) when another process answered the same call attempt
        meanwhile. Called from many threads at once: a backend may commit
        concurrent calls together (group commit). Raises LogUnavailable when
        it cannot make the answer durable."""

    @abstractmethod
    def call_key(self) -> bytes:
        """This deployment's key for the calls' prints (service.call_prints),
        made when the log was created, the same for every replica."""

    @abstractmethod
    def attempts_since(self, since: float) -> Iterator[Attempt]:
        """Attempts from `since` on, oldest first, for the behavioural rules."""

    @abstractmethod
    def prune(self, before: float, archive: Archive | None = None, batch: int = PRUNE_BATCH) -> int:
        """Delete the decisions made before `before` (Unix time), a batch at
        a time, each batch handed to `archive` first (a failure there
        deletes nothing more); returns how many were deleted."""

    @abstractmethod
    def count_before(self, before: float) -> int:
        """How many decisions were made before `before`."""

    @abstractmethod
    def search(self, query: DecisionQuery) -> Iterator[dict[str, Any]]:
        """Decisions matching every filter of the query (service.investigations),
        oldest first, as prune archives them (a dict of the log's columns,
        findings as a list), read a batch at a time."""

    @abstractmethod
    def called_names(self) -> list[str]:
        """Every called party's name the log holds, once each, in no order:
        what a search by a name like one (service.investigations) matches
        against. Never a privileged call's (the log keeps none)."""

    def attempts_by_others(self) -> list[Attempt]:
        """Attempts other processes logged since the last call (the first
        call: since what attempts_since returned), oldest first: how replicas
        on one database see each other's calls. None where one process owns
        the log."""
        return []

    def health(self) -> LogHealth:
        return LogHealth()
