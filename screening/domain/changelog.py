"""The change log: one append-only history of every list, chained.

Every change to a list is one entry: the list version it produced, who made
it, why, when, and the entry as it was before and after. An import or a
baseline (the lists as they stood when a database was upgraded to the
change log) keeps its rows beside the entry, covered by a digest in it.

Each entry's hash covers its own canonical content and the previous entry's
hash, so an entry edited, deleted, inserted or moved breaks every hash after
it. Anyone who can write the database could rebuild a consistent chain, so
an optional HMAC key, kept outside the database (config or environment),
seals each hash: without the key no valid chain can be rebuilt. A chain
cannot show that its newest entries were cut off; a head (VERSION:HASH)
written down outside the database can: `screening audit head`.

The canonical encoding is pinned by a test: changing it breaks every chain.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from screening.domain.records import Record

GENESIS = "0" * 64  # the hash before the first entry
# The steps of a two-person change (list "approvals"): held, approved,
# rejected, expired unapproved (service/approvals.py), and the policy in
# force set in the store (service/approval_policy.py).
APPROVAL_ACTIONS = ("request", "approve", "reject", "expire", "policy")
ACTIONS = ("add", "remove", "edit", "import", "baseline", "report", *APPROVAL_ACTIONS)
# Entries that change no list: a report that read personal data
# (Store.record_access), and the steps of an approval (the change approved
# has its own entry).
ACCESS_ACTIONS = ("report", *APPROVAL_ACTIONS)


def canonical(value: Any) -> bytes:
    """One byte string for one value: keys sorted, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class LogEntry:
    version: int
    at: str  # ISO 8601, UTC
    actor: str
    reason: str
    action: str  # one of ACTIONS
    list: str  # "" for a baseline, which holds every list
    entry_id: int = 0  # 0 for an import or a baseline
    before: Record | None = None
    after: Record | None = None
    details: dict[str, Any] = field(default_factory=dict)
    rows: int = 0  # rows kept beside the entry (imports, baselines)
    rows_sha256: str = ""
    prev_hash: str = ""
    hash: str = ""
    mac: str = ""

    def content(self) -> dict[str, Any]:
        """What the hash covers: everything but the chain's own fields."""
        return {name: value for name, value in dataclasses.asdict(self).items()
                if name not in ("prev_hash", "hash", "mac")}

    @property
    def head(self) -> str:
        return f"{self.version}:{self.hash}"


def chain_hash(prev_hash: str, entry: LogEntry) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(entry.content())).hexdigest()


def entry_mac(key: bytes, entry_hash: str) -> str:
    return hmac.new(key, entry_hash.encode("ascii"), hashlib.sha256).hexdigest()


def seal(entry: LogEntry, prev_hash: str, key: bytes | None) -> LogEntry:
    """The entry chained after the one whose hash is prev_hash (GENESIS for the first)."""
    entry_hash = chain_hash(prev_hash, entry)
    return dataclasses.replace(entry, prev_hash=prev_hash, hash=entry_hash,
                               mac=entry_mac(key, entry_hash) if key else "")


class RowsDigest:
    """The digest of an entry's rows, each row's canonical form and a newline, in order."""

    def __init__(self):
        self.count = 0
        self._sha = hashlib.sha256()

    def line(self, record: Record) -> bytes:
        """Take in one row; returns its line, as stored."""
        line = canonical(record) + b"\n"
        self._sha.update(line)
        self.count += 1
        return line

    def update(self, lines: bytes, count: int) -> None:
        self._sha.update(lines)
        self.count += count

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def parse_head(text: str) -> tuple[int, str]:
    """VERSION:HASH as `audit head` prints it."""
    version, sep, digest = text.strip().partition(":")
    if not sep or not version.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"head {text!r} is not VERSION:HASH (as 'screening audit head' prints it)")
    return int(version), digest
