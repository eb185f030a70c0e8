"""A name as its normalized words, and a word's skeleton and weight."""

from __future__ import annotations

import functools
import re
import sys

from screening.domain.names.lookalikes import join_spelled, read_digits, spell_digits, visible_letters
from screening.domain.names.organisations import ORGANISATIONS
from screening.domain.names.rules import _RULES, _apply


_APOSTROPHES = re.compile("['\u2019\u2018`\u02bc\u02bb\u00b4]")
# Everything but letters, digits and dots separates words. Dots are kept for
# now: they tell "S.H." (a degree) from "M.Yusuf" (an initial and a name).
# Digits are read later: letters in "S1ti", separators in "Budi2".
_SEPARATORS = re.compile(r"(?:[^\w.]|_)+")
_DIGIT = re.compile(r"\d")


def _normalize(text: str) -> tuple[str, ...]:
    words = _strip_titles(ORGANISATIONS.replace(_words(text)))
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
    text = _APOSTROPHES.sub("", text)
    if not text.isascii():  # ASCII has no accents, invisible or look-alike letters
        text = visible_letters(text)
    return text.casefold()


def _words(text: str) -> list[tuple[str, bool]]:
    """(key, written with a dot) of each word, degrees after a comma dropped."""
    head, comma, tail = _fold(text).partition(",")
    if comma and not _all_degrees(tail):
        head = f"{head} {tail}"  # "Santoso, Budi": the comma only separated parts of the name
    words: list[tuple[str, bool]] = []
    digits = bool(_DIGIT.search(head))
    for raw in _SEPARATORS.split(head):
        if digits and _DIGIT.search(raw):  # "H4ji", "Sp.R4d": read before titles and degrees are
            raw = spell_digits(raw) or raw
        key = raw.replace(".", "")
        if not key:
            continue
        # A dotted title or degree stays one word ("S.Kom", "Hj."); any other
        # dotted word is initials and names ("M.Yusuf"). At the start, a
        # degree-like word is initials: "M.H. Thamrin" is not a Master of Law.
        if key in _RULES.titles or key in _RULES.removed or (words and key in _RULES.degrees):
            words.append((key, "." in raw))
        elif len(key) == 1:  # "M." alone is an initial, "S" a letter that may be spelling a word out
            words.append((key, "." in raw))
        else:
            words.extend((part, False) for part in raw.split(".") if part)
    words = join_spelled(words)  # "S i t i", "S.I.T.I." -> siti
    if digits:  # what is left: "S 1 t 1" joined, and digits that are not letters ("Budi2")
        words = [(word, dotted) for key, dotted in words for word in read_digits(key)]
    return words


def _all_degrees(tail: str) -> bool:
    for segment in tail.split(","):
        parts = [word for part in _SEPARATORS.split(segment) for word in read_digits(part.replace(".", ""))]
        parts = [part for part in parts if part]
        if parts and "".join(parts) not in _RULES.degrees and not all(p in _RULES.degrees for p in parts):
            return False
    return True


def _strip_titles(words: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    start, end = 0, len(words)
    while start < end - 1:
        length = _leading_title(words, start, end)
        if not length:
            break
        start += length
    while end - 1 > start and _is_trailing_degree(*words[end - 1]):
        end -= 1
    kept = words[start:end]
    return [word for word in kept if word[0] not in _RULES.removed] or kept


def _leading_title(words: list[tuple[str, bool]], start: int, end: int) -> int:
    """How many words from `start` are a title (0: none), leaving one word at least."""
    if words[start][0] in _TITLE_PHRASE_STARTS:  # only then can a longer title start here
        for length in range(min(_LONGEST_TITLE, end - start - 1), 1, -1):  # "i gusti ayu" before "i"
            if tuple(key for key, _ in words[start:start + length]) in _RULES.title_phrases:
                return length
    return 1 if words[start][0] in _RULES.titles else 0


_LONGEST_TITLE = max((len(phrase) for phrase in _RULES.title_phrases), default=1)
_TITLE_PHRASE_STARTS = frozenset(phrase[0] for phrase in _RULES.title_phrases)


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
    """The loose skeleton: spelled by ear, then the sound shifts (Pauzi, Fauzi).
    What the index files words under, and what weights are looked up by."""
    return _apply(_RULES.shift, _strict_skeleton(word))


@functools.lru_cache(maxsize=1 << 17)
def _strict_skeleton(word: str) -> str:
    """Spelled by ear only: equal strict skeletons are one name (Fatimah, Fatima)."""
    return _apply(_RULES.skeleton, word)


@functools.lru_cache(maxsize=1 << 17)
def _weight(word: str) -> float:
    if len(word) == 1:
        return _RULES.initial_weight
    return _RULES.weights.get(_skeleton(word), 1.0)


def _name_weight(tokens: tuple[str, ...]) -> float:
    return sum(_weight(token) for token in tokens)
