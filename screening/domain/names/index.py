"""NameIndex: names stored for search, and the lists that find the candidates."""

from __future__ import annotations

import itertools
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from screening.domain.names.normalize import _name_weight, _normalize, _skeleton, _weight, normalize_name
from screening.domain.names.rules import _RULES
from screening.domain.names.search import (NameMatch, _Holding, _Ranking, _Scorer, _Similar, _Unit, _Windows,
                                           _only_complete, _rows_within)
from screening.domain.names.similarity import _SAME, _similarity, _typo


# accept(entry_id): may this entry count? (a search's filter, asked before scoring)
Accept = Callable[[int], bool]


_SIMILAR_CACHE = 65536  # query words whose similar indexed words an index remembers
_ROWS_PER_LOOKUP = 3  # posting-list rows read in the time of one lookup of a pair
_CAP_LEVELS = (0.85, 0.9, 0.95, 1.0)  # similarity caps of typo lists, see _similarity_cap


@dataclass(frozen=True, slots=True)
class NameQuery:
    """A name prepared for searching one index (NameIndex.query): its words,
    the indexed words like each, and the scores of the entries seen so far,
    which a second search of the same name reuses."""

    tokens: tuple[str, ...]
    exact: tuple[int, ...]  # rows of the names with the same words
    joinable: set[int]  # rows where two neighbouring words of one name are a word of the other
    units: list[_Unit]  # the query's words with the indexed words like them, rarest first
    scorer: _Scorer
    scores: dict[tuple[str, ...], tuple[float, bool]]  # entry words -> (score, partial)


class NameIndex:
    """Names (watchlist entries and their aliases) to search by similarity.

    Built once, immutable. A search normalizes the query, takes the entries
    whose normalized words equal it from a table, and scores only candidates
    found through the query's words (entries with a word of the same
    skeleton or one typo away, two words written as one, or an initial
    beside a matching word): first the entries holding two or more of the
    query's words (a table of word pairs), then those holding one. An entry
    is scored only when it can reach the cutoff: the rows are sorted by the
    entries' total weight, and which weights can still pass follows from the
    weight of the query words an entry can match and how similar its words
    can be (see _Bounds). The cutoff is the threshold; with a limit, once
    the search holds that many matches, the worst of them, so the windows
    narrow as better matches come. A common word (Muhammad, Siti) costs
    little: alone, it cannot bring a longer entry to the threshold. The
    result is the same as scoring every entry with name_similarity.

    Safe to search from many threads; the only state a search changes is a
    cache of the indexed words similar to each query word.
    """

    __slots__ = ("_ids", "_names", "_tokens", "_weight_steps", "_weight_starts", "_forms", "_word_weights", "_postings",
                 "_vocabulary", "_deletions", "_joined", "_initialled", "_exact", "_similar", "_longest", "_pairs")

    def __init__(self, rows: Iterable[tuple[int, str]]):
        staged = []
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per distinct normalized name
        for entry_id, name in rows:
            tokens = _normalize(name)  # not normalize_name: a list load would flush the request cache
            if tokens:
                tokens = shared.setdefault(tokens, tokens)
                staged.append((_name_weight(tokens), entry_id, name, tokens))
        # Sorted by total weight, so "entries between two weights" is a
        # range of rows, and a slice of every (sorted) posting list.
        staged.sort(key=lambda row: row[:2])  # by weight, then entry id: the order of ties
        self._ids = array("q", (row[1] for row in staged))
        self._names = tuple(row[2] for row in staged)
        self._tokens = tuple(row[3] for row in staged)
        # The entries' weights, each once, and the first row of each: weights
        # are sums of a few word weights, so there are few of them.
        weights = [row[0] for row in staged]
        self._weight_steps = array("d", sorted(set(weights)))
        self._weight_starts = array("i", (bisect_left(weights, step) for step in self._weight_steps))
        self._weight_starts.append(len(weights))
        del staged, shared, weights

        postings: dict[str, list[int]] = {}
        joined: dict[str, list[int]] = {}
        initialled: dict[str, list[int]] = {}
        exact: dict[tuple[str, ...], list[int]] = {}
        pairs: list[tuple[int, int]] = []  # (hash of two of an entry's skeletons, row)
        # Every indexed word's skeleton and weight; the skeletons themselves
        # are added below, as their own skeleton.
        forms: dict[str, str] = {}
        word_weights: dict[str, float] = {}
        longest: dict[str, int] = {}  # skeleton -> the longest indexed word with it
        self._forms, self._word_weights, self._longest = forms, word_weights, longest
        for row, tokens in enumerate(self._tokens):
            for token in tokens:
                if token not in word_weights:
                    skeleton = forms[token] = _skeleton(token)
                    word_weights[token] = _weight(token)
                    longest[skeleton] = max(len(token), longest.get(skeleton, 0))
            words = sorted([forms[token] for token in tokens if len(token) > 1])
            skeletons = set(words)
            for skeleton in skeletons:
                postings.setdefault(skeleton, []).append(row)
            pairs.extend((hash(pair), row) for pair in set(itertools.combinations(words, 2)))
            for letter in {token for token in tokens if len(token) == 1}:
                for skeleton in skeletons:
                    initialled.setdefault(f"{skeleton} {letter}", []).append(row)
            for i in range(len(tokens) - 1):
                joined.setdefault(_skeleton(tokens[i] + tokens[i + 1]), []).append(row)
            key = tuple(sorted(tokens))
            exact.setdefault(tokens if key == tokens else key, []).append(row)
        self._postings = {skeleton: array("i", rows) for skeleton, rows in postings.items()}
        self._joined = {skeleton: array("i", rows) for skeleton, rows in joined.items()}
        self._initialled = {key: array("i", rows) for key, rows in initialled.items()}
        # The words, sorted, of every name: the fast path. One row is kept as
        # an int, several as a tuple.
        self._exact = {key: rows[0] if len(rows) == 1 else tuple(rows) for key, rows in exact.items()}
        # Typos: every word and skeleton long enough for one (a typo is looked
        # for in either, see _word_similarity), under the hash of each string
        # one letter shorter ("setiawan" under "etiawan", "stiawan", ...). Two
        # strings one edit apart share such a string, or one is such a string
        # of the other. Hashes in arrays, not a dict of strings: a fraction of
        # the memory; a collision only adds a candidate word that the
        # similarity rules then reject.
        self._forms.update((skeleton, skeleton) for skeleton in self._postings)
        self._vocabulary = tuple(form for form in self._forms if len(form) >= _RULES.typo_min_length)
        self._deletions = _HashRuns([(hash(variant), number) for number, form in enumerate(self._vocabulary)
                                     for variant in _deletions(form)])
        # Entries holding two given words: their pairs of skeletons, under
        # the pair's hash (a collision adds an entry that the bounds or the
        # scorer then reject).
        self._pairs = _HashRuns(pairs)
        del pairs
        self._similar: dict[str, _Similar] = {}  # a cache, the index's only mutable part

    def __len__(self) -> int:
        return len(self._ids)

    def search(self, query: str | NameQuery, threshold: float, limit: int | None = None,
               accept: Accept | None = None, whole: bool = False) -> list[NameMatch]:
        """The best-matching name of each entry scoring at least `threshold`, best first.

        Best first: by score, then the lighter entry (its other words fewer
        or more common), then the lower entry id. `accept(entry_id)`: only
        the entries it accepts count. `limit`: at most that
        many entries (None: all); the search then stops looking at an entry
        as soon as it cannot beat the worst of those it holds, so a few best
        matches cost far less than all of them. `whole`: only whole matches
        (not partial), which only entries holding every word of the query can
        be: the others are not looked at.
        """
        if isinstance(query, str):
            query = self.query(query)
        if not query.tokens or (limit is not None and limit < 1) or threshold > 1.0:
            return []
        ranking = _Ranking(threshold, limit, whole, self._ids)
        self._rank(query, ranking, accept)
        return ranking.matches(self._names)

    def query(self, text: str) -> NameQuery:
        """`text` prepared for searching this index, once for several searches."""
        tokens = normalize_name(text)
        units = sorted(self._units(tokens), key=lambda unit: unit.similar.size)
        scorer = _Scorer(tokens, self._word_weights, self._forms, {unit.position: unit.similar.words for unit in units})
        return NameQuery(tokens, self._exact_rows(tokens), self._joined_rows(tokens), units, scorer, {})

    def _rank(self, query: NameQuery, ranking: _Ranking, accept: Accept | None) -> None:
        ids = self._ids
        for row in query.exact:
            if accept is None or accept(ids[row]):
                ranking.offer(row, _SAME)
        tokens, joinable, scores, score = query.tokens, query.joinable, query.scores, query.scorer.score
        entries, seen = self._tokens, set(query.exact)
        # Only the exact names and joined readings score 1: the other rows
        # come after them, and a search full of 1s stops there.
        candidates = self._candidates(tokens, query.units, ranking)
        for row in itertools.chain(sorted(joinable), candidates):
            if ranking.full and ranking.cutoff.score >= 1.0 and row not in joinable:
                return
            if row in seen:
                continue
            seen.add(row)
            if accept is not None and not accept(ids[row]):
                continue
            entry = entries[row]
            result = scores.get(entry)
            if result is None:
                result = scores[entry] = _similarity(tokens, entry) if row in joinable else score(entry)
            ranking.offer(row, result)

    def _exact_rows(self, tokens: tuple[str, ...]) -> tuple[int, ...]:
        rows = self._exact.get(tuple(sorted(tokens)), ())
        return rows if isinstance(rows, tuple) else (rows,)

    def _candidates(self, tokens: tuple[str, ...], units: list[_Unit], ranking: _Ranking) -> Iterator[int]:
        """Rows that may reach the cutoff, besides exact names and joined readings; some twice.

        Read lazily: the cutoff rises as the rows are scored.
        """
        cutoff = ranking.cutoff
        # A whole match pairs every word of both names, or leaves words
        # unpaired on both sides, which costs too much to reach the cutoff
        # unless the names are long: then only entries holding every word of
        # the query (no initials: they make a match partial) can be one.
        whole = ranking.whole and len(units) == len(tokens) and _only_complete(tokens, cutoff.score)
        if not whole:
            yield from self._initialled_rows(tokens, units)
        if cutoff.score <= 0:
            yield from (row for unit in units for rows in unit.similar.lists for row in rows)
            return
        # Every entry not found above pairs its words only with similar query
        # words (the units) and with the query's initials.
        windows = _Windows(self._weight_steps, self._weight_starts, tokens, units, cutoff)
        every, held_by = (1 << len(units)) - 1, _Holding(units, self._forms, self._tokens)
        # Entries holding two or more of the query's words first: the likeliest
        # best, so that a limited search fills up early. Read in the window of
        # all the query's words, then of the words each holds.
        for rows in self._lists_of_several(units, whole):
            for row in _rows_within(rows, windows, every, 1.0):
                held, words = held_by(row)
                if words > 1 and held & (held - 1) and (held == every or not whole):  # each unit its own word
                    low, high = windows.of(held, 1.0, min(words, held.bit_count()))
                    if low <= row < high:
                        yield row
        if whole and len(units) > 1:
            return  # an entry holding one of the words is no whole match
        # Then entries holding one: within the window of that word alone.
        initial_cap = 1.0 if any(len(token) == 1 for token in tokens) else 0.0
        for number, unit in enumerate(units):
            for rows, cap in zip(unit.similar.lists, unit.similar.caps):
                # The query's initials may pair too, with a one-letter word at 1.
                yield from _rows_within(rows, windows, 1 << number, max(cap, initial_cap))

    def _lists_of_several(self, units: list[_Unit], whole: bool) -> Iterator[array]:
        """Sorted lists of rows that hold every entry holding two or more of
        the units' words (and other rows). `whole`: only those holding all."""
        if whole:
            if len(units) > 1:  # those hold each pair of them: read the fewest
                yield from min(([*self._rows_holding(a.similar.words, b.similar.words)]
                                for a, b in itertools.combinations(units, 2)), key=lambda lists: sum(map(len, lists)))
            return
        for number, unit in enumerate(units):  # rarest first
            later = units[number + 1:]  # pairs with earlier words came with those
            lookups = len(unit.similar.words) * sum(len(other.similar.words) for other in later)
            if unit.similar.size <= _ROWS_PER_LOOKUP * lookups:
                # Fewer rows to read than pairs to look up (typos make many words similar).
                yield from unit.similar.lists
            else:
                for other in later:
                    yield from self._rows_holding(unit.similar.words, other.similar.words)

    def _rows_holding(self, words: frozenset[str], others: frozenset[str]) -> Iterator[array]:
        """Sorted rows of the entries holding one of `words` and one of `others` (and a few more)."""
        pairs = self._pairs
        for word in words:
            for other in others:
                yield pairs.get(hash((word, other) if word <= other else (other, word)))

    def _units(self, tokens: tuple[str, ...]) -> list[_Unit]:
        return [_Unit(position, _weight(token), self._similar_to(token))
                for position, token in enumerate(tokens) if len(token) > 1]

    def _similar_to(self, token: str) -> _Similar:
        """Cached per index: the same query words come again and again."""
        similar = self._similar.get(token)
        if similar is None:
            words = frozenset(self._similar_words(token))
            caps = {word: self._similarity_cap(token, word) for word in words}
            ranked = sorted(words, key=lambda word: (-caps[word], word))
            lists = tuple(self._postings[word] for word in ranked)
            partner = max((_RULES.weights.get(word, 1.0) for word in words), default=0.0)
            similar = _Similar(words, lists, tuple(caps[word] for word in ranked), sum(map(len, lists)), partner)
            if len(self._similar) >= _SIMILAR_CACHE:
                self._similar.clear()
            self._similar[token] = similar
        return similar

    def _similarity_cap(self, token: str, skeleton: str) -> float:
        """The highest _word_similarity of `token` and an indexed word of this skeleton.

        Another skeleton is a typo: 1 - 1 / the longer word's length.
        """
        if skeleton == _skeleton(token):
            return 1.0
        typo = 1.0 - 1.0 / max(len(token), self._longest[skeleton])
        # Rounded up to a few levels: one window for the lists of each.
        return _CAP_LEVELS[bisect_left(_CAP_LEVELS, typo)]

    def _joined_rows(self, tokens: tuple[str, ...]) -> set[int]:
        """Entries where two neighbouring words of one name are a word of the other."""
        found: set[int] = set()
        for i in range(len(tokens) - 1):
            found.update(self._postings.get(_skeleton(tokens[i] + tokens[i + 1]), ()))
        for token in tokens:
            found.update(self._joined.get(_skeleton(token), ()))
        return found

    def _initialled_rows(self, tokens: tuple[str, ...], units: list[_Unit]) -> set[int]:
        """Entries with a word like one query word and an initial of another ("B. Santoso")."""
        found: set[int] = set()
        for unit in units:
            letters = {token[0] for i, token in enumerate(tokens) if len(token) > 1 and i != unit.position}
            for word in unit.similar.words:
                for letter in letters:
                    found.update(self._initialled.get(f"{word} {letter}", ()))
        return found

    def _similar_words(self, token: str) -> set[str]:
        """Skeletons of the indexed words with a similarity to `token` (besides initials).

        Maybe a few more (two words can share a skeleton): the scorer decides.
        """
        skeleton = _skeleton(token)
        words = {skeleton} if skeleton in self._postings else set()
        for form in {token, skeleton}:
            if len(form) < _RULES.typo_min_length:
                continue
            shorter = _deletions(form)
            found = {variant for variant in shorter if variant in self._forms}
            for variant in (form, *shorter):
                found.update(self._forms_with_deletion(variant))
            # Each found once (several deletions lead to it), and its skeleton
            # only if not taken yet.
            words.update(self._forms[other] for other in found
                         if self._forms[other] not in words and _typo(form, other))
        return words

    def _forms_with_deletion(self, variant: str) -> Iterator[str]:
        """Indexed words and skeletons that are `variant` with one more letter (or a hash collision)."""
        vocabulary = self._vocabulary
        for number in self._deletions.get(hash(variant)):
            yield vocabulary[number]


_UNSIGNED = (1 << 64) - 1


class _HashRuns:
    """Integers (rows, word numbers) under 64-bit hashes, in two arrays sorted
    by hash, and a directory of where each value of the hash's top bits
    starts: a lookup bisects a few entries, not the whole array."""

    __slots__ = ("_hashes", "_values", "_directory", "_shift")

    def __init__(self, items: list[tuple[int, int]]):
        # Each (hash, value) as one int, the hash above the value (values are
        # rows and word numbers: 0 <= value < 2**31): sorting those ints is
        # sorting the pairs, at a fraction of the cost of sorting tuples.
        packed = sorted([(key & _UNSIGNED) << 32 | value for key, value in items])
        bits = max(1, min(20, len(packed).bit_length()))  # about one hash per bucket
        self._shift = shift = 64 - bits
        self._hashes = array("Q", [item >> 32 for item in packed])
        self._values = array("i", [item & 0xFFFFFFFF for item in packed])
        counts = [0] * ((1 << bits) + 1)
        for item in packed:
            counts[(item >> (shift + 32)) + 1] += 1
        self._directory = array("i", itertools.accumulate(counts))

    def get(self, key: int) -> array:
        """The values under `key` (a slice: maybe empty)."""
        key &= _UNSIGNED
        bucket = key >> self._shift
        low, high = self._directory[bucket], self._directory[bucket + 1]
        start = bisect_left(self._hashes, key, low, high)
        return self._values[start:bisect_right(self._hashes, key, start, high)]


def _deletions(word: str) -> tuple[str, ...]:
    return tuple({word[:i] + word[i + 1:] for i in range(len(word))})
