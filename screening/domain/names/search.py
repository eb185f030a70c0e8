"""How NameIndex.search finds its matches without scoring every entry.

Candidates: the rows a search scores come from the query's words. The table
of exact names gives the rows with the same words (score 1); the joined table
and the postings give the rows where two neighbouring words of one name are
a word of the other (scored with every joined reading); the rest are found
through the units, the query's words of two letters or more, each with the
posting lists of the indexed skeletons like it (the same skeleton, or one
typo away through the deletion hashes): rows holding a word like one unit
and an initial of another query word, then rows holding two or more units
(the table of word pairs, or the lists when shorter), the likeliest best,
then rows holding one.

Bounds: rows are sorted by the entry's weight, so the entries that can still
reach a score, given the weight of the units they hold and of the indexed
words like them (_Bounds), are a range of rows, a window (_Windows), and a
slice of every sorted posting list (_rows_within bisects into it). A list of
words one typo away has a similarity cap, and so a narrower window.

Cutoff: what a candidate must reach (_Cutoff). It is the threshold; with a
`limit`, once the search holds that many matches, the worst of them (_Ranking).
Each rise makes new windows, so the lists still being read skip ahead and end
sooner: the windows narrow as better matches arrive. A candidate inside its
window is scored by _Scorer, the same floats as _similarity.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from screening.domain.names.normalize import _name_weight, _weight
from screening.domain.names.rules import _LIGHTEST, _RULES
from screening.domain.names.similarity import _NOTHING, _SAME, _best_pairing, _pairing_score, _word_similarity


_EPSILON = 1e-9  # slack for float rounding in the index's bounds


class NameMatch(NamedTuple):
    """One entry found by NameIndex.search.

    A tuple, not a frozen dataclass: a search may build hundreds, and a tuple
    costs a third as much to make.
    """

    entry_id: int
    name: str  # the entry's name (or alias) that matched best, as given
    score: float
    partial: bool


@dataclass(frozen=True, slots=True)
class _Similar:
    """The indexed words similar to a word."""

    words: frozenset[str]  # their skeletons
    lists: tuple[array, ...]  # their posting lists, the most similar words first
    caps: tuple[float, ...]  # the similarity each list's words can have at most
    size: int  # rows in them
    partner: float  # the weight of the heaviest


@dataclass(frozen=True, slots=True)
class _Unit:
    """A word of the query, with the indexed words similar to it."""

    position: int  # in the query
    weight: float  # the query word's
    similar: _Similar

    @property
    def partner(self) -> float:
        return self.similar.partner


@dataclass(frozen=True, slots=True)
class _Bounds:
    """Which entries can still reach `threshold` against a query of weight Wq.

    With Ma and Mb the weight of each side's paired words, Ua = Wq - Ma and
    Ub = We - Mb the rest, a pairing scores at most
        (Ma + Mb) / (Ma + Mb + conflict * 2 min(Ua, Ub) + extra * |Ua - Ub|)
    (every similarity 1), times min(1, min(Ma, Mb) / evidence); both grow
    with Ma and with Mb when conflict >= 1 >= extra. So an entry of weight We
    whose pairs can weigh at most `a` on the query's side and `b` on its own
    scores at most that with Ma = min(a, Wq) and Mb = min(b, We). As We grows
    that rises up to We = b (the entry all paired), then falls (its unpaired
    words cost): the entries that can pass weigh between the two ends of
    `window(a, b)`. Names with the same words score 1 whatever the evidence;
    the index finds them in its table of exact names, not through this.
    """

    query_weight: float
    threshold: float

    def window(self, a: float, b: float) -> tuple[float, float]:
        conflict, extra = _RULES.conflict, _RULES.extra
        a = min(a, self.query_weight)
        if a <= 0 or b <= 0:
            return float("inf"), float("-inf")
        # The evidence (similarity x the lighter word of each pair) is at most
        # min(a, b): short of `evidence`, the score is scaled down by as much.
        t = self.threshold / min(1.0, min(a, b) / _RULES.evidence)
        if t > 1:
            return float("inf"), float("-inf")
        unpaired = self.query_weight - a
        # Lightest: all the entry paired, (a + We) / (a + We + extra * unpaired) >= t.
        if t < 1:
            lightest = t * extra * unpaired / (1 - t) - a
        else:
            lightest = float("-inf") if unpaired <= _EPSILON else float("inf")
        # Heaviest: We = b + x, x of the entry's words unpaired.
        paired = a + b
        if paired / (paired + 2 * conflict * unpaired) >= t:  # x beyond the query's unpaired weight
            x = unpaired + (paired / t - paired - 2 * conflict * unpaired) / extra
        else:
            x = (paired / t - paired - extra * unpaired) / (2 * conflict - extra)
        return lightest, b + x


class _Scorer:
    """_similarity(query, entry) for many entries, without joined readings.

    The same pairs and the same _pairing_score as _similarity, so the same
    floats. Faster: what a score needs of an entry word is which query words
    it is similar to, its weight and whether it is an initial; words alike in
    that get one code, entries with the same codes ("Rika Siregar", "Rika
    Tambunan" against "Rika") one score.
    """

    __slots__ = ("query", "ordered", "query_weights", "query_initials", "weights", "skeletons", "similar",
                 "codes", "kinds", "shapes")

    def __init__(self, query: tuple[str, ...], weights: Mapping[str, float], skeletons: Mapping[str, str],
                 similar: Mapping[int, frozenset[str]]):
        self.query = query
        self.ordered = sorted(query)
        self.query_weights = [_weight(token) for token in query]
        self.query_initials = [len(token) == 1 for token in query]
        self.weights = weights  # of every indexed word
        self.skeletons = skeletons  # of every indexed word
        # Query position -> skeletons of the indexed words similar to that
        # query word; the rest are not (initials aside), no need to compare.
        self.similar = similar
        self.codes: dict[str, int] = {}  # entry word -> its code
        self.kinds: dict[tuple, int] = {}  # (similar query words, weight, initial) -> code
        self.shapes: dict[tuple[int, ...], tuple[float, bool]] = {}  # codes of an entry -> its score

    def score(self, entry: tuple[str, ...]) -> tuple[float, bool]:
        if len(entry) == len(self.query) and (entry == self.query or sorted(entry) == self.ordered):
            return _SAME
        codes = self.codes
        shape = tuple([codes[word] if word in codes else self._code(word) for word in entry])
        score = self.shapes.get(shape)
        if score is None:
            score = self.shapes[shape] = self._score(shape)
        return score

    def _code(self, word: str) -> int:
        skeleton, initial = self.skeletons[word], len(word) == 1
        similar = tuple((i, similarity) for i, token in enumerate(self.query)
                        if (initial or self.query_initials[i] or skeleton in self.similar[i])
                        and (similarity := _word_similarity(token, word)))
        kind = (similar, self.weights[word], initial)
        code = self.codes[word] = self.kinds.setdefault(kind, len(self.kinds))
        return code

    def _score(self, shape: tuple[int, ...]) -> tuple[float, bool]:
        kinds = list(self.kinds)  # in code order
        described = [kinds[code] for code in shape]
        pairs = [(similarity, i, j) for j, (similar, _, _) in enumerate(described) for i, similarity in similar]
        if not pairs:
            return _NOTHING
        entry_weights = [weight for _, weight, _ in described]
        entry_initials = [initial for _, _, initial in described]
        arguments = (self.query_initials, entry_initials, self.query_weights, entry_weights)
        if len({i for _, i, _ in pairs}) == len(pairs) == len({j for _, _, j in pairs}):
            return _pairing_score(*arguments, pairs)
        return _best_pairing(pairs, lambda chosen: _pairing_score(*arguments, chosen))



# Scores are rounded to 6 places; the bounds are on scores before rounding.
# A score that rounds to at least t is above t - _BELOW, one that rounds to
# more than t is above t + _ABOVE.
_BELOW, _ABOVE = 6e-7, 4e-7
_NO_ROW = sys.maxsize


def _only_complete(tokens: tuple[str, ...], threshold: float) -> bool:
    """Can a pairing that leaves words of both names unpaired not reach `threshold`?

    Each side's unpaired words weigh at least the lightest word, and cost
    `conflict` each; the pairs weigh at most the query's words and as many
    words of weight 1 (similarity 1, so the evidence is whole).
    """
    paired = _name_weight(tokens) + len(tokens)
    return paired / (paired + 2 * _RULES.conflict * _LIGHTEST) < threshold - _BELOW


def _rows_within(rows: array, windows: _Windows, held: int, cap: float) -> Iterator[int]:
    """The rows of a (sorted) posting list in the window of `held`, read as the cutoff rises."""
    cutoff, at, version, end = windows.cutoff, 0, -1, len(rows)
    while at < end:
        if version != cutoff.version:
            version, (low, high) = cutoff.version, windows.of(held, cap)
            at = bisect_left(rows, low, at)
            continue
        row = rows[at]
        if row >= high:
            return
        yield row
        at += 1


class _Holding:
    """(the units a row holds, as bits; how many of its words are like one):
    a word like several units still pairs with one of them."""

    __slots__ = ("bits", "skeletons", "entries")

    def __init__(self, units: list[_Unit], skeletons: Mapping[str, str], entries: tuple[tuple[str, ...], ...]):
        self.skeletons, self.entries = skeletons, entries
        self.bits: dict[str, int] = {}  # indexed skeleton -> the units it is like
        for i, unit in enumerate(units):
            for word in unit.similar.words:
                self.bits[word] = self.bits.get(word, 0) | 1 << i

    def __call__(self, row: int) -> tuple[int, int]:
        held = words = 0
        for token in self.entries[row]:
            bits = self.bits.get(self.skeletons[token], 0)
            if bits:
                held, words = held | bits, words + 1
        return held, words


class _Cutoff:
    """What a candidate must be able to reach to count: the search's threshold,
    then, once a limited search is full, the score of its worst match (ties
    go to the lower row, so a tie counts only below `row`)."""

    __slots__ = ("score", "row", "version")

    def __init__(self, score: float):
        self.score, self.row, self.version = score, _NO_ROW, 0

    def raise_to(self, score: float, row: int) -> None:
        if score > self.score or self.row == _NO_ROW:  # a lower row alone: the windows only a little wider
            self.version += 1
        self.score, self.row = score, row


class _Ranking:
    """The matches a search keeps: each entry's best name (`whole`: best
    whole match), all of them or the `limit` best. Best: the higher score,
    then the lower row (the lighter entry, then the lower entry id)."""

    __slots__ = ("limit", "whole", "ids", "cutoff", "best", "order")

    def __init__(self, threshold: float, limit: int | None, whole: bool, ids: array):
        self.limit, self.whole, self.ids = limit, whole, ids
        self.cutoff = _Cutoff(threshold)
        self.best: dict[int, tuple[float, int, bool]] = {}  # entry id -> (-score, row, partial)
        self.order: list[tuple[float, int, int]] = []  # with a limit: (-score, row, entry id), best first

    @property
    def full(self) -> bool:
        return self.limit is not None and len(self.order) == self.limit

    def offer(self, row: int, result: tuple[float, bool]) -> None:
        score, partial = result
        if score <= 0 or score < self.cutoff.score:
            return
        key = (-score, row)
        if self.full and key >= self.order[-1][:2]:
            return
        entry_id = self.ids[row]
        held = self.best.get(entry_id)
        if (held is not None and held[:2] <= key) or (partial and self.whole):
            return
        self.best[entry_id] = (-score, row, partial)
        if self.limit is not None:
            self._place(key, entry_id, held)

    def _place(self, key: tuple[float, int], entry_id: int, held: tuple[float, int, bool] | None) -> None:
        order = self.order
        if held is not None:
            order.remove((held[0], held[1], entry_id))
        elif len(order) == self.limit:
            del self.best[order.pop()[2]]
        insort(order, (*key, entry_id))
        if len(order) == self.limit:
            self.cutoff.raise_to(-order[-1][0], order[-1][1])

    def matches(self, names: Sequence[str]) -> list[NameMatch]:
        make = NameMatch._make
        ranked = sorted((key, entry_id) for entry_id, key in self.best.items())
        return [make((entry_id, names[row], -score, partial)) for (score, row, partial), entry_id in ranked]


class _Windows:
    """The rows that can still reach the cutoff, by the query words they may
    hold: a range of rows (rows are sorted by weight), see _Bounds. Recomputed
    when the cutoff rises."""

    __slots__ = ("steps", "starts", "query_weight", "units", "initials", "cutoff", "version", "cache")

    def __init__(self, steps: array, starts: array, tokens: tuple[str, ...], units: list[_Unit], cutoff: _Cutoff):
        self.steps, self.starts, self.units, self.cutoff = steps, starts, units, cutoff
        self.query_weight = _name_weight(tokens)
        initials = [_weight(token) for token in tokens if len(token) == 1]
        self.initials = (sum(initials), float(len(initials)))  # their weight on the query's side, at most on the entry's
        self.version = -1
        self.cache: dict[tuple[int, float, int], tuple[int, int]] = {}

    def of(self, held: int, cap: float = 1.0, words: int = 0) -> tuple[int, int]:
        """Rows [low, high) of the entries holding the units of the bits of
        `held` that may beat the cutoff; maybe a few more.

        `cap`: the similarity of their words is at most that; the score then
        is at most `cap` times the bound. `words`: they hold only that many
        words like the units (0: one per unit), so pair that many at most.
        """
        if self.version != self.cutoff.version:
            self.version, self.cache = self.cutoff.version, {}
        window = self.cache.get((held, cap, words))
        if window is None:
            chosen = [unit for i, unit in enumerate(self.units) if held >> i & 1]
            weights, partners = [unit.weight for unit in chosen], [unit.partner for unit in chosen]
            if 0 < words < len(chosen):  # the heaviest that many on each side
                weights, partners = sorted(weights)[-words:], sorted(partners)[-words:]
            a, b = self.initials[0] + sum(weights), self.initials[1] + sum(partners)
            score = self.cutoff.score / cap
            low, high = self._rows(score - _BELOW, a, b)
            if high > self.cutoff.row:
                # A row reaching the cutoff and no more beats it only below its row.
                high = max(self.cutoff.row, self._rows(score + _ABOVE, a, b)[1])
            window = self.cache[held, cap, words] = (low, high)
        return window

    def _rows(self, threshold: float, a: float, b: float) -> tuple[int, int]:
        lightest, heaviest = _Bounds(self.query_weight, threshold).window(a, b)
        starts = self.starts
        return (starts[bisect_left(self.steps, lightest - _EPSILON)],
                starts[bisect_right(self.steps, heaviest + _EPSILON)])
