"""Guards on blocklist changes, so that one typo does not deny everyone:
what a pattern would cover on the approved and privileged lists, patterns
broader than the documented minimum, expiries in the past, and the blocked
patterns a newly approved number falls in.

Each reads the lists' raw rows once (Store.read_lists, as the server's
cold start does) and matches by lookup key (one binary search a number), so
a list of millions is read, never held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from screening.domain.breadth import Coverage, too_broad
from screening.domain.entries import BlockEntry
from screening.domain.errors import InvalidEntry
from screening.domain.patterns import load_pattern
from screening.service.ports import Store


@dataclass(frozen=True)
class Covered:
    """What a pattern covers on the other lists."""

    approved: int  # distinct approved numbers
    inmates: int  # inmates with one of them approved
    privileged: int

    def __str__(self) -> str:
        return (f"{self.approved} approved number{'s' if self.approved != 1 else ''} "
                f"(of {self.inmates} inmate{'s' if self.inmates != 1 else ''}) and "
                f"{self.privileged} privileged number{'s' if self.privileged != 1 else ''}")


def covered(store: Store, pattern_text: str) -> Covered:
    """Read from the lists' raw rows (Store.read_lists, the server's
    cold-start read: tuples, not entries), by lookup key."""
    coverage = Coverage(load_pattern(pattern_text))
    numbers, inmates = set(), set()
    with store.read_lists() as rows:
        for _, inmate, _, number, *_ in rows.allowlist:
            if coverage.covers(number):
                numbers.add(number)
                inmates.add(inmate)
        privileged = coverage.count(number for _, number, _ in rows.privileged)
    return Covered(len(numbers), len(inmates), privileged)


def pattern_warnings(store: Store, entry: BlockEntry, force: bool) -> list[str]:
    """For a pattern (not an exact number) about to be blocked: a warning
    when it covers approved or privileged numbers; InvalidEntry when it is
    broader than the minimum and not forced, with what it would cover."""
    if entry.pattern[1:].isdigit():  # an exact number: list_changes._conflicts says what it hits
        return []
    broad = too_broad(load_pattern(entry.pattern))
    found = covered(store, entry.pattern)
    if broad and not force:
        raise InvalidEntry(f"{broad}: it would cover {found}; check it, or give --force to block it anyway")
    warnings = [f"{broad}; blocked anyway (--force)"] if broad else []
    if found.approved or found.privileged:
        warnings.append(f"{entry.pattern} covers {found}: a blocklist {entry.action.label} wins over every "
                        f"other list")
    return warnings


def in_blocked_patterns(store: Store, e164: str) -> list[str]:
    """Warnings for a number about to be approved or made privileged that
    a blocked pattern (not an exact entry: those warn already) covers."""
    warnings = []
    with store.read_lists() as rows:
        for entry_id, pattern, _, action, scope, _ in rows.blocklist:
            if not pattern[1:].isdigit() and load_pattern(pattern).matches(e164):
                warnings.append(f"{e164} is inside the blocked pattern {pattern} ({action}, {scope}, entry "
                                f"{entry_id}): a blocklist deny wins over every other list")
    return warnings


def future(expires_at: datetime | None, text: str, now: datetime | None = None) -> datetime | None:
    """The expiry, refused when it has already passed (the entry would never match)."""
    now = now or datetime.now(UTC)
    if expires_at is not None and expires_at <= now:
        raise InvalidEntry(f"expiry {text.strip()!r} is in the past: the entry would never match")
    return expires_at
