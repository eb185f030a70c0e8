"""Relationships: what a contact is to the inmate, and what an inmate calls them.

Two readings, both data (relationships.toml, which explains each choice):

    kind_of("Ibu Kandung")        -> "mother"   the registered free text, one canonical kind
    split_address("Mama Siti")    -> (("mama",), "Siti")   address words before a name
    fits("mama", "mother")        -> True       could the registered person be called so?

Kinds form a small hierarchy (a "parent" is a mother or a father); a kind is
stored as its definite kinds ("leaves") in one int bit mask, so "could one
person be both" is one `&`. Words are compared after the name normalization
(screening.domain.names), one word at a time: case, accents and old
spellings do not matter.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

from screening.domain.names import normalize_name

UNKNOWN = "unknown"
_MAX_PHRASE = 3  # words in the longest address phrase looked for
# One written word of a relationship or a called name: anything else
# (spaces, commas, hyphens, brackets) separates words. Dots and apostrophes
# stay in the word: normalize_name reads "Bu." and "Ma'am" itself.
_TOKEN = re.compile(r"[\w.'\u2019`]+")


@dataclass(frozen=True)
class _Data:
    kinds: tuple[str, ...]  # index = the code the allowlist stores; 0 is UNKNOWN
    extent: dict[str, int]  # kind -> bit mask of the definite kinds it covers
    forms: dict[str, str]  # normalized registered text -> kind
    address: dict[str, int]  # normalized address word or phrase -> mask of what it can mean


def _words(text: str) -> tuple[str, ...]:
    """The words of a text, each normalized on its own (so no title is dropped)."""
    return tuple(word for token in _TOKEN.findall(text) for word in normalize_name(token))


def _load() -> _Data:
    data = tomllib.loads(resources.files("screening.domain").joinpath("relationships.toml").read_text("utf-8"))
    within = {kind: tuple(spec["within"]) for kind, spec in data["kinds"].items()}
    if len(within) >= 127:
        raise ValueError("relationships.toml: more kinds than the allowlist's one-byte codes hold")
    extent = _extents(within)
    extent[UNKNOWN] = extent[data["unknown"]["reads_as"]]
    return _Data((UNKNOWN, *within), extent, _forms(data["kinds"]), _address(data["address"], extent))


def _extents(within: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Each kind's definite kinds (those no other kind is within), as bits."""
    for kind, groups in within.items():
        if unknown := [g for g in groups if g not in within]:
            raise ValueError(f"relationships.toml: {kind} is within unknown kinds {unknown}")
    groups = {g for gs in within.values() for g in gs}
    leaves = [kind for kind in within if kind not in groups]
    extent = dict.fromkeys(within, 0)
    for bit, leaf in enumerate(leaves):
        pending = [leaf]
        while pending:  # the leaf and every group above it
            kind = pending.pop()
            extent[kind] |= 1 << bit
            pending.extend(within[kind])
    return extent


def _forms(kinds: dict[str, dict]) -> dict[str, str]:
    forms: dict[str, str] = {}
    for kind, spec in kinds.items():
        for form in spec["forms"]:
            key = " ".join(_words(form))
            if forms.setdefault(key, kind) != kind:
                raise ValueError(f"relationships.toml: {form!r} is a form of both {forms[key]} and {kind}")
    return forms


def _address(groups: list[dict], extent: dict[str, int]) -> dict[str, int]:
    address: dict[str, int] = {}
    for group in groups:
        if unknown := [kind for kind in group["means"] if kind not in extent]:
            raise ValueError(f"relationships.toml: address words mean unknown kinds {unknown}")
        mask = functools.reduce(int.__or__, (extent[kind] for kind in group["means"]))
        for phrase in group["words"]:
            words = _words(phrase)
            if len(words) != len(phrase.split()) or not 1 <= len(words) <= _MAX_PHRASE:
                raise ValueError(f"relationships.toml: address word {phrase!r} does not normalize word for word")
            key = " ".join(words)
            address[key] = address.get(key, 0) | mask  # in several groups: the meanings add up
    return address


_DATA = _load()
KINDS: tuple[str, ...] = _DATA.kinds
CODES: dict[str, int] = {kind: code for code, kind in enumerate(KINDS)}
_STARTS = frozenset(phrase.split()[0] for phrase in _DATA.address)  # the first words of address phrases


@functools.lru_cache(maxsize=4096)
def kind_of(registered: str) -> str:
    """The canonical kind of a registered relationship; UNKNOWN when empty or not listed.

    Cached: a list of millions of contacts holds a few hundred different texts.
    """
    return _DATA.forms.get(" ".join(_words(registered)), UNKNOWN)


@functools.lru_cache(maxsize=4096)
def code_of(registered: str) -> int:
    """kind_of as a small integer, what the allowlist stores per entry (one byte)."""
    return CODES[kind_of(registered)]


def label(kind: str) -> str:
    return kind.replace("_", " ")


def fits(term: str, kind: str) -> bool:
    """Could a contact of this registered kind be the one called `term` (a normalized address word)?"""
    return bool(_DATA.address.get(term, 0) & _DATA.extent[kind])


def split_address(called: str) -> tuple[tuple[str, ...], str]:
    """The address words a called name starts with (normalized, longest phrase
    first) and the rest of it as written: "Pak De Karto" -> (("pak de",), "Karto").

    Only at the start, where Indonesian puts them: a word after the name is
    part of the name.
    """
    tokens = list(_TOKEN.finditer(called))
    terms: list[str] = []
    i = 0
    while i < len(tokens):
        phrase = _phrase_at(tokens, i)
        if phrase is None:
            return tuple(terms), called[tokens[i].start():]
        terms.append(phrase[0])
        i += phrase[1]
    return tuple(terms), ""


def _phrase_at(tokens: list[re.Match], i: int) -> tuple[str, int] | None:
    """(the address phrase starting at token i, its length in tokens), longest first."""
    first = normalize_name(tokens[i][0])
    if len(first) != 1 or first[0] not in _STARTS:
        return None  # what most names start with: no phrase to try (the shared-number count reads every name)
    for length in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
        words = [normalize_name(token[0]) for token in tokens[i:i + length]]
        if all(len(w) == 1 for w in words):
            phrase = " ".join(w[0] for w in words)
            if phrase in _DATA.address:
                return phrase, length
    return None
