"""A list change in a second, not a rebuild: apply_delta.

Building the lists at national scale takes many seconds and twice the
memory; a change touches a few entries. apply_delta keeps the snapshot's
compact lists as they are and puts the changes in small overlays beside
them (overlay_lists, overlay_blocklist, overlay_watchlist), which answer
exactly as lists built whole of the current rows would. Applying costs what
the overlay holds, not what the lists hold; as the overlay grows, lookups
slow a little and the reloader builds a new base (ListSnapshot.overlay_size).

A snapshot is never changed: apply_delta makes a new one, so calls being
screened keep the one they started with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from screening.domain.errors import IncompleteDelta, InvalidEntry
from screening.domain.lists import ListSnapshot, NumberTable, shared_counts
from screening.domain.overlay_blocklist import OverlaidBlockTable, overlaid_blocklist
from screening.domain.overlay_lists import NumberEdit, OverlaidAllowlist, OverlaidNumbers, overlaid_allowlist
from screening.domain.overlay_watchlist import OverlaidWatchlist, overlaid_watchlist
from screening.domain.snapshots import COLUMNS, LISTS, Delta, ListChange, privileged_row

_OVERLAID = (OverlaidAllowlist, OverlaidNumbers, OverlaidBlockTable, OverlaidWatchlist)


def apply_delta(snapshot: ListSnapshot, delta: Delta) -> ListSnapshot:
    """The lists of `snapshot` with the changes of `delta`, at its version.

    The lists no change touches are the snapshot's own objects (a watchlist
    keeps its remembered answers).
    """
    changes = _by_list(delta.changes)
    allowlist, privileged, blocked = snapshot.allowlist, snapshot.privileged, snapshot.blocked
    shared, watchlist = snapshot.shared_approvals, snapshot.watchlist
    if changes["allowlist"]:
        allowlist = overlaid_allowlist(allowlist, changes["allowlist"])
        shared = _shared_approvals(shared, changes["allowlist"], delta.approvals)
    if changes["privileged"]:
        privileged = _privileged(privileged, changes["privileged"])
    if changes["blocklist"]:
        blocked = overlaid_blocklist(blocked, changes["blocklist"])
    if changes["watchlist"]:
        watchlist = overlaid_watchlist(watchlist, changes["watchlist"])
    parts = (allowlist, privileged, blocked, shared, watchlist)
    overlay = sum(part.overlay_size() for part in parts if isinstance(part, _OVERLAID))
    return ListSnapshot(delta.version, allowlist, privileged, blocked, shared, watchlist, overlay)


def _by_list(changes: Iterable[ListChange]) -> dict[str, list[ListChange]]:
    """The changes of each list, in order (lists do not depend on each other)."""
    by_list: dict[str, list[ListChange]] = {name: [] for name in LISTS}
    for change in changes:
        if change.list not in by_list:
            raise InvalidEntry(f"a delta changes list {change.list!r}; the lists are {', '.join(LISTS)}")
        for row in (change.before, change.after):
            if row is not None and (len(row) != len(COLUMNS[change.list]) or row[0] != change.entry_id):
                raise InvalidEntry(f"{change.list} change of entry {change.entry_id}: {row!r} is not its row "
                                   f"({', '.join(COLUMNS[change.list])})")
        by_list[change.list].append(change)
    return by_list


def _privileged(table: NumberTable | OverlaidNumbers, changes: list[ListChange]) -> OverlaidNumbers:
    edit = NumberEdit(table)
    for change in changes:
        if change.before is not None:  # one entry a number: the number is free now
            edit.set(privileged_row(change.before)[0], None)
        if change.after is not None:
            key, entry_id, kind = privileged_row(change.after)
            edit.set(key, (entry_id, int(kind)))
    return edit.done()


def _shared_approvals(table: NumberTable | OverlaidNumbers, changes: list[ListChange],
                      approvals: Mapping[str, tuple[tuple[str, str], ...]]) -> OverlaidNumbers:
    """The shared-number counts again for every number the changes touched,
    from its current approvals as the store gives them."""
    edit = NumberEdit(table)
    numbers = {row[3] for change in changes for row in (change.before, change.after) if row is not None}
    for number in sorted(numbers):
        if number not in approvals:
            raise IncompleteDelta(f"the delta changes approvals of {number} but does not give them all")
        # The order a whole build counts people in: by inmate (it reads
        # inmate after inmate), then as given (by entry id).
        registrations = sorted(approvals[number], key=lambda approval: approval[0])
        edit.set(int(number[1:]), shared_counts(registrations))
    return edit.done()
