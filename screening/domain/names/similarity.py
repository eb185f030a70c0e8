"""How alike two names are: words compared, paired at most once each, scored."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from screening.domain.names.normalize import _skeleton, _strict_skeleton, _weight, normalize_name
from screening.domain.names.rules import _RULES


@dataclass(frozen=True, slots=True)
class NameScore:
    score: float  # 0..1
    partial: bool  # one name's words all matched inside a longer name: REVIEW at most
    matched: str  # the second name, as given


_VOWELS = frozenset("aeiou")


@functools.lru_cache(maxsize=1 << 18)
def _word_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return _RULES.initial_similarity if a[0] == b[0] and len(a) != len(b) else 0.0
    sa, sb = _skeleton(a), _skeleton(b)
    if sa == sb:
        strict_a, strict_b = _strict_skeleton(a), _strict_skeleton(b)
        if strict_a == strict_b:
            return _RULES.skeleton_similarity
        if not (a in _RULES.distinct_words and b in _RULES.distinct_words):
            return _RULES.shift_similarity  # a sound shift: Pauzi for Fauzi, Stiawan for Setiawan
        # Two known names a shift would merge (Paris, Faris): only a typo makes them one.
        sa, sb = strict_a, strict_b
    # A slip shows in the words as written or in their skeletons: the folds
    # can hide one ("Santsoo" -> "sanso") as easily as reveal one.
    return 1.0 - 1.0 / max(len(a), len(b)) if _typo(sa, sb) or _typo(a, b) else 0.0


def _typo(sa: str, sb: str) -> bool:
    """Are two different skeletons one name with a slip of the keyboard?"""
    return _typo_possible(sa, sb) and OSA.distance(sa, sb, score_cutoff=1) <= 1 and _slip(sa, sb)


def _typo_possible(sa: str, sb: str) -> bool:
    """The cheap part of _typo: not when short (Rina, Rini), not with another first or last letter
    (Salim, Halim; Suharto, Suharti), not between two known names.
    """
    return (min(len(sa), len(sb)) >= _RULES.typo_min_length and sa[0] == sb[0] and _same_ending(sa, sb)
            and not (sa in _RULES.distinct and sb in _RULES.distinct))


def _same_ending(sa: str, sb: str) -> bool:
    """The same last letter, or a consonant hit on the key beside it (Gunawan, Gunawam).

    A last letter added or dropped makes another name: Yulian, Yuliana.
    """
    x, y = sa[-1], sb[-1]
    return x == y or (len(sa) == len(sb) and x not in _VOWELS and y not in _VOWELS
                      and (x, y) in _RULES.neighbour_keys)


def _slip(sa: str, sb: str) -> bool:
    """Is a one-edit difference a slip? Unless it replaces a consonant by one on a distant key."""
    if len(sa) != len(sb):
        return True  # a letter left out or added
    differ = [i for i, (x, y) in enumerate(zip(sa, sb)) if x != y]
    if len(differ) != 1:
        return True  # two neighbours swapped
    x, y = sa[differ[0]], sb[differ[0]]
    return (x in _VOWELS and y in _VOWELS) or (x, y) in _RULES.neighbour_keys


def name_similarity(a: str, b: str) -> NameScore:
    """How likely names `a` and `b` are one person (or organisation): symmetric in a and b."""
    score, partial = _similarity(normalize_name(a), normalize_name(b))
    return NameScore(score, partial, b)


def words_within(part: str, whole: str) -> bool:
    """Is every word of name `part` a word of name `whole`, each a different one?

    What family members say: "Siti" or "Ibu Siti" for Siti Aminah, "Budi"
    for Budi Santoso. name_similarity scores those low (a common first name
    is little evidence), rightly for a watchlist; this is the question of a
    contact already registered under `whole`. Words match as in
    name_similarity (spellings, typos, initials), but one word of `part`
    outside `whole` answers no, and initials alone say nothing.
    """
    part_words, whole_words = normalize_name(part), normalize_name(whole)
    # More words than `whole` has cannot each be a different one of them (and
    # a long request name must not make the search below try every pairing).
    return len(part_words) <= len(whole_words) and _within(part_words, whole_words, 0, False)


def _within(part: tuple[str, ...], whole: tuple[str, ...], used: int, words: bool) -> bool:
    """`used`: bits of the words of `whole` taken; `words`: a word, not an initial, matched."""
    if not part:
        return words
    first, rest = part[0], part[1:]
    for j, word in enumerate(whole):
        if not used >> j & 1 and _word_similarity(first, word) and _within(
                rest, whole, used | 1 << j, words or (len(first) > 1 and len(word) > 1)):
            return True
    return False


def _similarity(ta: tuple[str, ...], tb: tuple[str, ...], joinable: bool = True) -> tuple[float, bool]:
    """(score, partial) of two normalized names; the best over joined-word readings.

    `joinable=False` skips looking for those: the index knows when there are none.
    """
    if not ta or not tb:
        return _NOTHING
    if ta == tb or sorted(ta) == sorted(tb):
        return _SAME
    best = _aligned(ta, tb)
    if joinable:
        # Merged or split parts: "Setiabudi" and "Setia Budi". Two neighbouring
        # words are also read as one when that one is (in skeleton) a word of
        # the other name.
        for joined in _joined_readings(ta, tb):
            best = max(best, _aligned(joined, tb), key=_rank)
        for joined in _joined_readings(tb, ta):
            best = max(best, _aligned(ta, joined), key=_rank)
    return best


_NOTHING = (0.0, False)
_SAME = (1.0, False)


def _rank(result: tuple[float, bool]) -> tuple[float, bool]:
    return result[0], not result[1]


def _joined_readings(tokens: tuple[str, ...], other: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    if len(tokens) < 2:
        return
    skeletons = {_skeleton(token) for token in other}
    for i in range(len(tokens) - 1):
        joined = tokens[i] + tokens[i + 1]
        if _skeleton(joined) in skeletons:
            yield (*tokens[:i], joined, *tokens[i + 2:])


def _aligned(ta: tuple[str, ...], tb: tuple[str, ...]) -> tuple[float, bool]:
    """The best pairing of the words of two names, each word used at most once."""
    pairs = []
    for i, a in enumerate(ta):
        for j, b in enumerate(tb):
            similarity = _word_similarity(a, b)
            if similarity:
                pairs.append((similarity, i, j))
    if not pairs:
        return _NOTHING
    wa, wb = [_weight(a) for a in ta], [_weight(b) for b in tb]
    initial_a, initial_b = [len(a) == 1 for a in ta], [len(b) == 1 for b in tb]
    if len({i for _, i, _ in pairs}) == len(pairs) == len({j for _, _, j in pairs}):
        return _pairing_score(initial_a, initial_b, wa, wb, pairs)  # no word wanted twice: the usual case
    return _best_pairing(pairs, lambda chosen: _pairing_score(initial_a, initial_b, wa, wb, chosen))


# Sets of pairs scored at most for one pair of names. Real names want a word
# twice a few times at most (a few sets); a name repeating one word many
# times, against another full of words like it, would otherwise make
# billions, and a request could stall a worker with one.
_MAX_PAIRINGS = 2048


def _best_pairing(pairs: list[tuple[float, int, int]],
                  score: Callable[[list[tuple[float, int, int]]], tuple[float, bool]]) -> tuple[float, bool]:
    """The best score of the sets of pairs that use each word at most once:
    of all of them while they are few, else of the first _MAX_PAIRINGS and a
    greedy one (the most similar pairs first)."""
    tried = 0
    best = None
    for chosen in itertools.islice(_pairings(pairs), _MAX_PAIRINGS):
        tried += 1
        result = score(chosen)
        if best is None or _rank(result) > _rank(best):
            best = result
    if tried == _MAX_PAIRINGS:
        best = max(best, score(_greedy_pairing(pairs)), key=_rank)
    return best


def _greedy_pairing(pairs: list[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
    used_a, used_b, chosen = set(), set(), []
    for pair in sorted(pairs, key=lambda pair: -pair[0]):
        if pair[1] not in used_a and pair[2] not in used_b:
            used_a.add(pair[1])
            used_b.add(pair[2])
            chosen.append(pair)
    return chosen


def _pairings(pairs: list[tuple[float, int, int]]) -> Iterator[list[tuple[float, int, int]]]:
    """Every set of pairs that uses each word at most once (names are short)."""
    if not pairs:
        yield []
        return
    first, rest = pairs[0], pairs[1:]
    _, i, j = first
    for chosen in _pairings([p for p in rest if p[1] != i and p[2] != j]):
        yield [first, *chosen]
    yield from _pairings(rest)


def _pairing_score(initial_a: Sequence[bool], initial_b: Sequence[bool], wa: Sequence[float],
                   wb: Sequence[float], pairs: list[tuple[float, int, int]]) -> tuple[float, bool]:
    """(score, partial) of one pairing; `initial_x[i]`: word i of x is one letter."""
    matched = paired = evidence = 0.0  # both sides' weight: similarity x (wa + wb), and wa + wb
    unmatched_a, unmatched_b = sum(wa), sum(wb)
    initials = words = False
    for similarity, i, j in sorted(pairs):  # sorted: the same float sums whichever name comes first
        weight = wa[i] + wb[j]
        matched += similarity * weight
        paired += weight
        evidence += similarity * min(wa[i], wb[j])
        unmatched_a -= wa[i]
        unmatched_b -= wb[j]
        if initial_a[i] or initial_b[j]:
            # An initial for a word: maybe the same name. (Two equal initials are just equal.)
            initials = initials or initial_a[i] != initial_b[j]
        else:
            words = True
    if not words:
        return _NOTHING  # initials alone say nothing
    unmatched_a, unmatched_b = max(0.0, unmatched_a), max(0.0, unmatched_b)
    penalty = (_RULES.conflict * 2 * min(unmatched_a, unmatched_b)
               + _RULES.extra * abs(unmatched_a - unmatched_b))
    score = round(matched / (paired + penalty) * min(1.0, evidence / _RULES.evidence), 6)
    partial = initials or ((len(pairs) == len(wa)) != (len(pairs) == len(wb)))
    return score, partial
