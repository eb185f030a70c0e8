"""The blocklist in memory: exact numbers and patterns in one table.

Every pattern is a handful of rules (digit prefix, required total length).
A rule is stored as one 64-bit composite key (prefix length, required length,
prefix value) in a sorted array. To match a dialed number of L digits, the
table looks up the number's own prefixes, longest first, in just the
(prefix length, required length) classes that exist: at most 2L binary
searches, whatever the number of patterns. The first entry found that applies
(scope, expiry) is the most specific one.
"""

from __future__ import annotations

import enum
from array import array
from bisect import bisect_left
from collections.abc import Container, Iterable
from dataclasses import dataclass

from screening.domain.errors import InvalidEntry
from screening.domain.model import BlockAction, Labelled
from screening.domain.patterns import MAX_DIGITS, PatternKind, load_pattern

_PREFIX_LENGTH_SHIFT = 54
_REQUIRED_LENGTH_SHIFT = 50


class ScopeKind(enum.IntEnum):
    GLOBAL = 0
    FACILITY = 1
    INMATE = 2


@dataclass(frozen=True, slots=True)
class Scope:
    kind: ScopeKind = ScopeKind.GLOBAL
    value: str = ""

    def __str__(self) -> str:
        return "global" if self.kind is ScopeKind.GLOBAL else f"{self.kind.name.lower()}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> "Scope":
        """"global" (or empty), "facility:ID" or "inmate:ID"."""
        text = text.strip()
        if text in ("", "global"):
            return cls()
        kind, sep, value = text.partition(":")
        try:
            scope_kind = ScopeKind[kind.strip().upper()]
        except KeyError:
            scope_kind = None
        if not sep or not value.strip() or scope_kind in (None, ScopeKind.GLOBAL):
            raise InvalidEntry(f"scope {text!r} is not global, facility:ID or inmate:ID")
        return cls(scope_kind, value.strip())

    def applies(self, facility: str, inmate: str) -> bool:
        if self.kind is ScopeKind.GLOBAL:
            return True
        return self.value == (facility if self.kind is ScopeKind.FACILITY else inmate)


class Category(Labelled):
    FRAUD = 0
    VICTIM = 1
    WITNESS = 2
    OFFICIAL = 3
    NARCOTICS = 4
    OTHER = 5


@dataclass(frozen=True, slots=True)
class BlockRow:
    """One blocklist entry as the table is built from it."""

    entry_id: int
    pattern: str  # canonical text, as stored
    action: BlockAction
    category: Category = Category.FRAUD
    scope: Scope = Scope()
    expires_at: int = 0  # Unix seconds; 0 = never


@dataclass(frozen=True, slots=True)
class BlockHit:
    entry_id: int
    pattern: str
    kind: PatternKind
    action: BlockAction
    category: Category


class BlockTable:
    __slots__ = ("_keys", "_slots", "_index", "_ids", "_actions", "_categories", "_kinds", "_expires", "_scopes",
                 "_scope_list", "_texts", "_classes", "_near_keys", "_near_slots")

    def __init__(self, rows: Iterable[BlockRow] = ()):
        self._ids, self._expires = array("q"), array("q")
        self._actions, self._categories, self._kinds = array("b"), array("b"), array("b")
        self._scopes = array("i")  # index into _scope_list; 0 = global
        scope_index: dict[Scope, int] = {Scope(): 0}
        self._texts: list[str | None] = []  # pattern text, None for exact numbers
        # (composite key, narrower scope first, entry id, slot): equally
        # specific entries in id order, whatever order the rows came in.
        rules: list[tuple[int, int, int, int]] = []
        # (number key, entry id, slot): one number's fraud entries in id order, whatever order the rows came in.
        near: list[tuple[int, int, int]] = []
        for slot, row in enumerate(rows):
            text = row.pattern
            exact = text[1:].isdigit()  # most entries: skip building a Pattern for them
            self._ids.append(row.entry_id)
            self._actions.append(row.action)
            self._categories.append(row.category)
            self._kinds.append(PatternKind.EXACT if exact else load_pattern(text).kind)
            self._expires.append(row.expires_at)
            self._scopes.append(scope_index.setdefault(row.scope, len(scope_index)))
            self._texts.append(None if exact else text)
            narrower = -row.scope.kind
            if exact:
                key = int(text[1:])
                rules.append((_composite(len(text) - 1, len(text) - 1, key), narrower, row.entry_id, slot))
                if row.category is Category.FRAUD and narrower == 0:
                    near.append((key, row.entry_id, slot))
            else:
                for rule in load_pattern(text).rules:
                    rules.append((_composite(len(rule.prefix), rule.length, int(rule.prefix)), narrower,
                                  row.entry_id, slot))
        self._scope_list = list(scope_index)  # distinct scopes, not one per entry
        rules.sort()
        self._keys = array("q", (r[0] for r in rules))
        self._slots = array("i", (r[3] for r in rules))
        self._index = _RunIndex(self._keys)
        self._classes = _classes_by_length({_class_of(r[0]) for r in rules})
        near.sort()
        self._near_keys = array("q", (n[0] for n in near))
        self._near_slots = array("i", (n[2] for n in near))

    def __len__(self) -> int:
        return len(self._ids)

    def nbytes(self) -> int:
        """The arrays' size (pattern texts and scopes are few and not counted)."""
        arrays = (self._keys, self._slots, self._ids, self._actions, self._categories, self._kinds, self._expires,
                  self._scopes, self._near_keys, self._near_slots, self._index._keys, self._index._starts)
        return sum(a.itemsize * len(a) for a in arrays)

    def find(self, key: int, digits: int, facility: str, inmate: str, now: int,
             skip: Container[int] = ()) -> BlockHit | None:
        """The most specific entry that applies to this number (key = its
        E.164 digits as an int, `digits` of them) for this call, or None;
        the entries in `skip` (an overlay's removals) passed over."""
        found = self._first(key, digits, facility, inmate, now, skip)
        return None if found is None else self._hit(found[1], key)

    def ranked_find(self, key: int, digits: int, facility: str, inmate: str, now: int,
                    skip: Container[int] = ()) -> tuple[tuple[int, ...], BlockHit] | None:
        """find, passing over the entries in `skip`, with the hit's place in
        the order of precedence: of two tables' hits, the lower one is what
        one table of both tables' entries would find (see overlay_blocklist)."""
        found = self._first(key, digits, facility, inmate, now, skip)
        if found is None:
            return None
        composite, slot = found
        prefix_length, required_length = _class_of(composite)
        rank = (-prefix_length, required_length == 0, -self._scope_list[self._scopes[slot]].kind, self._ids[slot])
        return rank, self._hit(slot, key)

    def _first(self, key: int, digits: int, facility: str, inmate: str, now: int,
               skip: Container[int]) -> tuple[int, int] | None:
        """(composite key, slot) of the most specific entry that applies, or None."""
        keys, n, start_of = self._keys, len(self._keys), self._index.start_of
        for base, divisor in self._classes[digits]:
            composite = base | (key // divisor)
            i = start_of(composite)
            while 0 <= i < n and keys[i] == composite:
                slot = self._slots[i]
                if self._applies(slot, facility, inmate, now) and not (skip and self._ids[slot] in skip):
                    return composite, slot
                i += 1
        return None

    def near_miss(self, key: int, positions: int, now: int) -> BlockHit | None:
        """A global fraud number that differs from this one in exactly one of
        its last `positions` digits (rings buy consecutive SIM cards): 9 point
        lookups a position, however many fraud numbers are nearby."""
        found = self.ranked_near_miss(key, positions, now)
        return None if found is None else found[1]

    def ranked_near_miss(self, key: int, positions: int, now: int,
                         skip: Container[int] = ()) -> tuple[tuple[int, int, int], BlockHit] | None:
        """near_miss, passing over the entries in `skip`, with the hit's place
        in the order near_miss looks: (position, digit there, entry id)."""
        keys = self._near_keys
        length = len(str(key))
        for position in range(min(positions, length)):
            weight = 10 ** position
            digit = key // weight % 10
            # The leading digit never becomes 0: the neighbour keeps the length.
            for other_digit in range(1 if position == length - 1 else 0, 10):
                if other_digit == digit:
                    continue
                other = key + (other_digit - digit) * weight
                i = bisect_left(keys, other)
                while i < len(keys) and keys[i] == other:
                    slot = self._near_slots[i]
                    if (self._expires[slot] == 0 or self._expires[slot] > now) and not (
                            skip and self._ids[slot] in skip):
                        return (position, other_digit, self._ids[slot]), self._hit(slot, other)
                    i += 1
        return None

    def _applies(self, slot: int, facility: str, inmate: str, now: int) -> bool:
        expires = self._expires[slot]
        if expires and expires <= now:
            return False
        scope = self._scopes[slot]
        return scope == 0 or self._scope_list[scope].applies(facility, inmate)

    def _hit(self, slot: int, key: int) -> BlockHit:
        kind = PatternKind(self._kinds[slot])
        text = self._texts[slot] or f"+{key}"
        return BlockHit(self._ids[slot], text, kind, BlockAction(self._actions[slot]),
                        Category(self._categories[slot]))


class _RunIndex:
    """Composite key -> where its run starts in the sorted key array: an
    open-addressing hash table in two flat arrays, so a lookup costs one or
    two probes whatever the number of keys (a binary search would cost
    log2(n) steps: 10 at a thousand patterns, 20 at a million)."""

    __slots__ = ("_keys", "_starts", "_mask")
    _EMPTY = -1
    _MULTIPLIER = 0x9E3779B97F4A7C15  # Fibonacci hashing spreads similar prefixes

    def __init__(self, sorted_keys: array):
        size = 8
        while size < 2 * _count_runs(sorted_keys):
            size *= 2
        self._mask = size - 1
        self._keys = array("q", [self._EMPTY]) * size
        self._starts = array("i", [0]) * size
        previous = None
        for start, key in enumerate(sorted_keys):
            if key == previous:
                continue
            previous = key
            slot = ((key * self._MULTIPLIER) >> 32) & self._mask
            while self._keys[slot] != self._EMPTY:
                slot = (slot + 1) & self._mask
            self._keys[slot], self._starts[slot] = key, start

    def start_of(self, key: int) -> int:
        keys, mask = self._keys, self._mask
        slot = ((key * self._MULTIPLIER) >> 32) & mask
        while True:
            found = keys[slot]
            if found == key:
                return self._starts[slot]
            if found == self._EMPTY:
                return -1
            slot = (slot + 1) & mask


def _count_runs(sorted_keys: array) -> int:
    runs, previous = 0, None
    for key in sorted_keys:
        if key != previous:
            runs, previous = runs + 1, key
    return runs


def _composite(prefix_length: int, required_length: int, prefix: int) -> int:
    return (prefix_length << _PREFIX_LENGTH_SHIFT) | (required_length << _REQUIRED_LENGTH_SHIFT) | prefix


def _class_of(composite: int) -> tuple[int, int]:
    return composite >> _PREFIX_LENGTH_SHIFT, (composite >> _REQUIRED_LENGTH_SHIFT) & 0xF


def _classes_by_length(classes: set[tuple[int, int]]) -> list[tuple[tuple[int, int], ...]]:
    """For each number length L, the (base key, divisor) of every class that
    can match an L-digit number, most specific first: longer prefix first,
    then a required length before any length."""
    by_length = []
    for length in range(MAX_DIGITS + 1):
        usable = [(k, t) for k, t in classes if k <= length and t in (0, length)]
        usable.sort(key=lambda c: (-c[0], c[1] == 0))
        by_length.append(tuple((_composite(k, t, 0), 10 ** (length - k)) for k, t in usable))
    return by_length
