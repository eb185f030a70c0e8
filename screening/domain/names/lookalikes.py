"""Undoing names typed to look like another: invisible characters, letters of
other scripts, letters spelled apart and digits for letters. The data and why
each rule is as it is: name_lookalikes.toml."""

from __future__ import annotations

import itertools
import re
import tomllib
import unicodedata
from importlib import resources


def _load() -> dict:
    return tomllib.loads(resources.files("screening.domain").joinpath("name_lookalikes.toml").read_text("utf-8"))


_DATA = _load()
# str.translate table: each listed letter of another script -> its Latin letter.
_LETTERS = {ord(letter): latin for group in _DATA["letters"].values() for letter, latin in group.items()}
_DIGIT_LETTERS: dict[str, str] = _DATA["digits"]["letters"]
_BETWEEN_VOWELS: dict[str, str] = _DATA["digits"]["between_vowels"]
_MIN_LETTERS: int = _DATA["digits"]["min_letters"]
_MIN_RUN: int = _DATA["joining"]["min_run"]

_DIGITS = re.compile(r"\d+")
_VOWELS = frozenset("aeiou")


def without_invisible(text: str) -> str:
    """The text without invisible format characters (Unicode category Cf: zero-width
    spaces and joiners, soft hyphens, bidirectional marks)."""
    if text.isprintable():  # in C, and false for every format character: the common case costs nothing
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def visible_letters(text: str) -> str:
    """The text without invisible characters, accents and letters of other scripts
    drawn like Latin ones. For text that is not ASCII (ASCII has none of these)."""
    text = unicodedata.normalize("NFKD", without_invisible(text))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_LETTERS)


def join_spelled(words: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """(key, dotted) words with each run of `min_run` or more one-character words
    written alike joined: dotted ones each on its own ("S. I. T. I."), or not
    ("S i t i", or "S.I.T.I." whose letters are parts of one dotted word)."""
    if sum(len(key) == 1 for key, _ in words) < _MIN_RUN:
        return words  # nearly every name: not even enough one-letter words for a run
    joined: list[tuple[str, bool]] = []
    for (single, dotted), group in itertools.groupby(words, key=lambda word: (len(word[0]) == 1, word[1])):
        run = list(group)
        if single and len(run) >= _MIN_RUN:
            joined.append(("".join(key for key, _ in run), dotted))
        else:
            joined.extend(run)
    return joined


def read_digits(key: str) -> list[str]:
    """A word with digits as the word it spells ("s1ti" -> siti), or, when its
    digits are not letters, the letters between them ("budi2" -> budi)."""
    spelled = spell_digits(key)
    return [spelled] if spelled is not None else [part for part in _DIGITS.split(key) if part]


def spell_digits(word: str) -> str | None:
    """The word with its digits read as letters, or None if they are not letters
    here: too few letters beside them, or a digit not listed. Dots may be in it."""
    digits = "".join(_DIGITS.findall(word))
    if sum(ch.isalpha() for ch in word) < _MIN_LETTERS or not all(d in _DIGIT_LETTERS for d in digits):
        return None
    return _spell_digits(word)


def _spell_digits(key: str) -> str:
    chars = list(key)
    for i, ch in enumerate(chars):
        if ch.isdigit() and ch not in _BETWEEN_VOWELS:
            chars[i] = _DIGIT_LETTERS[ch]
    read = chars[:]  # the other digits read first: "4l1" has its a to read the 1 by
    for i, ch in enumerate(read):
        if ch in _BETWEEN_VOWELS:
            before = next((c for c in reversed(read[:i]) if c != ch), "")
            after = next((c for c in read[i + 1:] if c != ch), "")
            beside_vowels = all(c in _VOWELS for c in (before, after) if c)
            chars[i] = _BETWEEN_VOWELS[ch] if beside_vowels else _DIGIT_LETTERS[ch]
    return "".join(chars)
