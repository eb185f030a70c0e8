"""Names: one comparable form for every way an Indonesian name is written, a
similarity that knows which differences matter, and an index that finds the
names like a query among 100,000 without comparing it to each.

The phone system sends `called_party_name`, who the inmate says is on the
other end, typed by whoever placed the call. Both sides, list names at load
time and the query per request, go through `normalize_name`:

    "Bapak H. Moch. Soeharto, S.H."  ->  ("muhammad", "suharto")

(titles, ranks and degrees removed, old spellings modernised, the many
Muhammads made one word; every list and rule is data, in name_rules.toml).
`name_similarity` then pairs the words of the two names, each word at most
once and in any order, and scores the pairing: unmatched words lower the
score, common words (Muhammad, Siti, Sri) weigh little, and one-letter
differences between common names are different names (Suharto, Suharti).
A name whose words are all found inside a longer one is `partial`: maybe the
same person, never proof of it.
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
import tomllib
import unicodedata
from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

from rapidfuzz.distance import OSA

_EPSILON = 1e-9  # slack for float rounding in the index's bounds


@dataclass(frozen=True, slots=True)
class NameScore:
    score: float  # 0..1
    partial: bool  # one name's words all matched inside a longer name: REVIEW at most
    matched: str  # the second name, as given


# accept(entry_id): may this entry count? (a search's filter, asked before scoring)
Accept = Callable[[int], bool]


class NameMatch(NamedTuple):
    """One entry found by NameIndex.search.

    A tuple, not a frozen dataclass: a search may build hundreds, and a tuple
    costs a third as much to make.
    """

    entry_id: int
    name: str  # the entry's name (or alias) that matched best, as given
    score: float
    partial: bool


# --- the rules ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Rewrite:
    pattern: re.Pattern[str]
    replace: str
    only_if: re.Pattern[str] | None

    def apply(self, word: str, as_written: str) -> str:
        if self.only_if is not None and not self.only_if.search(as_written):
            return word
        return self.pattern.sub(self.replace, word)


@dataclass(frozen=True)
class _Rules:
    titles: frozenset[str]
    degrees: frozenset[str]
    ambiguous_degrees: frozenset[str]
    removed: frozenset[str]
    spelling: tuple[_Rewrite, ...]
    skeleton: tuple[_Rewrite, ...]
    aliases: Mapping[str, str]  # spelled variant -> canonical word
    initials: Mapping[str, str]  # one-letter first word -> canonical word
    split_prefixes: tuple[tuple[str, str], ...]  # (form, canonical word), longest form first
    min_rest: int
    weights: Mapping[str, float]  # skeleton -> weight
    distinct: frozenset[str]  # names never taken for each other's typo, spelled and as skeletons
    skeleton_similarity: float
    initial_similarity: float
    initial_weight: float
    typo_min_length: int
    neighbour_keys: frozenset[tuple[str, str]]  # (letter, letter) on neighbouring keys, both orders
    conflict: float
    extra: float
    evidence: float
    deny: float
    review: float


def _rewrites(items: list[dict]) -> tuple[_Rewrite, ...]:
    return tuple(_Rewrite(re.compile(item["pattern"]), item["replace"],
                          re.compile(item["only_if"]) if "only_if" in item else None) for item in items)


def _load_rules() -> _Rules:
    data = tomllib.loads(resources.files("screening.domain").joinpath("name_rules.toml").read_text("utf-8"))
    spelling = _rewrites(data["spelling"])
    skeleton = _rewrites(data["skeleton"])

    def spell(word: str) -> str:
        return _apply(spelling, word)

    aliases = {spell(variant): canonical
               for canonical, variants in data["aliases"].items() for variant in (canonical, *variants)}

    def skeleton_of(word: str) -> str:  # a listed word as the matcher will see it
        spelled = spell(word)
        return _apply(skeleton, aliases.get(spelled, spelled))

    weights = {skeleton_of(word): group["weight"] for group in data["weights"] for word in group["words"]}
    prefixes = sorted(((form, canonical) for canonical, forms in data["split"]["prefixes"].items()
                       for form in forms), key=lambda item: -len(item[0]))
    scoring, thresholds = data["scoring"], data["thresholds"]
    if not (scoring["conflict"] >= 1 >= scoring["extra"] > 0 and scoring["evidence"] > 0):
        raise ValueError("name_rules.toml: the index's bounds need conflict >= 1 >= extra > 0 < evidence")
    return _Rules(
        titles=frozenset(word for words in data["titles"].values() for word in words),
        degrees=frozenset(data["degrees"]["all"]),
        ambiguous_degrees=frozenset(data["degrees"]["ambiguous"]),
        removed=frozenset(word for words in data["removed"].values() for word in words),
        spelling=spelling,
        skeleton=skeleton,
        aliases=aliases,
        initials=dict(data["initials"]),
        split_prefixes=tuple(prefixes),
        min_rest=data["split"]["min_rest"],
        weights=weights,
        distinct=frozenset(form for word in data["distinct_names"]["words"]
                           for form in (skeleton_of(word), spell(word))),
        skeleton_similarity=scoring["skeleton"],
        initial_similarity=scoring["initial"],
        initial_weight=scoring["initial_weight"],
        typo_min_length=scoring["typo_min_length"],
        neighbour_keys=_neighbour_keys(scoring["keyboard"]),
        conflict=scoring["conflict"],
        extra=scoring["extra"],
        evidence=scoring["evidence"],
        deny=thresholds["deny"],
        review=thresholds["review"],
    )


def _neighbour_keys(rows: list[str]) -> frozenset[tuple[str, str]]:
    pairs = set()
    for r, row in enumerate(rows):
        for c, key in enumerate(row):
            near = [row[c + 1]] if c + 1 < len(row) else []
            if r + 1 < len(rows):  # the row below is shifted right: its keys c-1 and c touch this one
                near += [rows[r + 1][i] for i in (c - 1, c) if 0 <= i < len(rows[r + 1])]
            pairs.update((key, other) for other in near)
    return frozenset(pairs | {(b, a) for a, b in pairs})


def _apply(rewrites: tuple[_Rewrite, ...], word: str) -> str:
    as_written = word
    for rewrite in rewrites:
        word = rewrite.apply(word, as_written)
    return word


_RULES = _load_rules()

DEFAULT_DENY_THRESHOLD: float = _RULES.deny
_LIGHTEST = min(_RULES.initial_weight, 1.0, *_RULES.weights.values())  # the least a word weighs
DEFAULT_REVIEW_THRESHOLD: float = _RULES.review


# --- normalization -------------------------------------------------------------------

_APOSTROPHES = re.compile("['\u2019\u2018`\u02bc\u02bb\u00b4]")
# Everything but letters and dots separates words; digits too. Dots are kept
# for now: they tell "S.H." (a degree) from "M.Yusuf" (an initial and a name).
_SEPARATORS = re.compile(r"(?:[^\w.]|[\d_])+")


def _normalize(text: str) -> tuple[str, ...]:
    words = _strip_titles(_words(text))
    keys = [key for key, _ in words]
    if len(keys) > 1 and keys[0] in _RULES.initials:
        keys[0] = _RULES.initials[keys[0]]
    return tuple(sys.intern(token) for key in keys for token in _word(key))


@functools.lru_cache(maxsize=65536)
def normalize_name(text: str) -> tuple[str, ...]:
    """The words of a name, normalized, in their order: what the matcher compares.

    Cached: the same called-party names come again and again.
    """
    return _normalize(text)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def _words(text: str) -> list[tuple[str, bool]]:
    """(key, written with a dot) of each word, degrees after a comma dropped."""
    head, comma, tail = _fold(text).partition(",")
    if comma and not _all_degrees(tail):
        head = f"{head} {tail}"  # "Santoso, Budi": the comma only separated parts of the name
    words: list[tuple[str, bool]] = []
    for raw in _SEPARATORS.split(head):
        key = raw.replace(".", "")
        if not key:
            continue
        # A dotted title or degree stays one word ("S.Kom", "Hj."); any other
        # dotted word is initials and names ("M.Yusuf"). At the start, a
        # degree-like word is initials: "M.H. Thamrin" is not a Master of Law.
        if key in _RULES.titles or key in _RULES.removed or (words and key in _RULES.degrees):
            words.append((key, "." in raw))
        else:
            words.extend((part, False) for part in raw.split(".") if part)
    return words


def _all_degrees(tail: str) -> bool:
    for segment in tail.split(","):
        parts = [part.replace(".", "") for part in _SEPARATORS.split(segment)]
        parts = [part for part in parts if part]
        if parts and "".join(parts) not in _RULES.degrees and not all(p in _RULES.degrees for p in parts):
            return False
    return True


def _strip_titles(words: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    start, end = 0, len(words)
    while start < end - 1 and words[start][0] in _RULES.titles:
        start += 1
    while end - 1 > start and _is_trailing_degree(*words[end - 1]):
        end -= 1
    kept = words[start:end]
    return [word for word in kept if word[0] not in _RULES.removed] or kept


def _is_trailing_degree(key: str, dotted: bool) -> bool:
    return key in _RULES.degrees and (dotted or key not in _RULES.ambiguous_degrees)


@functools.lru_cache(maxsize=65536)
def _word(key: str) -> tuple[str, ...]:
    """One written word as normalized words: modern spelling, canonical form, split."""
    spelled = _apply(_RULES.spelling, key)
    return _split(_RULES.aliases.get(spelled, spelled))


def _split(word: str) -> tuple[str, ...]:
    for form, canonical in _RULES.split_prefixes:
        if word.startswith(form) and len(word) - len(form) >= _RULES.min_rest:
            rest = word[len(form):]
            return (canonical, *_split(_RULES.aliases.get(rest, rest)))
    return (word,)


@functools.lru_cache(maxsize=1 << 17)
def _skeleton(word: str) -> str:
    return _apply(_RULES.skeleton, word)


@functools.lru_cache(maxsize=1 << 17)
def _weight(word: str) -> float:
    if len(word) == 1:
        return _RULES.initial_weight
    return _RULES.weights.get(_skeleton(word), 1.0)


def _name_weight(tokens: tuple[str, ...]) -> float:
    return sum(_weight(token) for token in tokens)


# --- similarity ------------------------------------------------------------------------

_VOWELS = frozenset("aeiou")


@functools.lru_cache(maxsize=1 << 18)
def _word_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return _RULES.initial_similarity if a[0] == b[0] and len(a) != len(b) else 0.0
    sa, sb = _skeleton(a), _skeleton(b)
    if sa == sb:
        return _RULES.skeleton_similarity
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


# --- the index -------------------------------------------------------------------------

_SIMILAR_CACHE = 65536  # query words whose similar indexed words an index remembers


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


_CAP_LEVELS = (0.85, 0.9, 0.95, 1.0)  # similarity caps of typo lists, see _similarity_cap
def _only_complete(tokens: tuple[str, ...], threshold: float) -> bool:
    """Can a pairing that leaves words of both names unpaired not reach `threshold`?

    Each side's unpaired words weigh at least the lightest word, and cost
    `conflict` each; the pairs weigh at most the query's words and as many
    words of weight 1 (similarity 1, so the evidence is whole).
    """
    paired = _name_weight(tokens) + len(tokens)
    return paired / (paired + 2 * _RULES.conflict * _LIGHTEST) < threshold - _BELOW


_ROWS_PER_LOOKUP = 3  # posting-list rows read in the time of one lookup of a pair


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
        self._forms: dict[str, str] = {}
        self._word_weights: dict[str, float] = {}
        self._longest: dict[str, int] = {}  # skeleton -> the longest indexed word with it
        for row, tokens in enumerate(self._tokens):
            for token in tokens:
                if token not in self._word_weights:
                    skeleton = self._forms[token] = _skeleton(token)
                    self._word_weights[token] = _weight(token)
                    self._longest[skeleton] = max(len(token), self._longest.get(skeleton, 0))
            words = sorted(_skeleton(token) for token in tokens if len(token) > 1)
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
        items = sorted((key & _UNSIGNED, value) for key, value in items)
        bits = max(1, min(20, len(items).bit_length()))  # about one hash per bucket
        self._shift = 64 - bits
        self._hashes = array("Q", (key for key, _ in items))
        self._values = array("i", (value for _, value in items))
        counts = [0] * ((1 << bits) + 1)
        for key, _ in items:
            counts[(key >> self._shift) + 1] += 1
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
