"""Organisations named by their acronym or in full: every written form of an
institution, and of a region after it, made one canonical form before names
are compared ("Bank Rakyat Indonesia", "Bank BRI" -> bri; "Kepolisian Resor
Bogor" -> polres bogor). The data and why each entry holds:
name_organisations.toml."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources

from screening.domain.names.rules import _RULES

Word = tuple[str, bool]  # (key, written with a dot), as normalize reads words


class Phrases:
    """Runs of words (keys) replaced by canonical words, the longest run first.

    Words in `skip` (connectors, legal forms: "dan", "PT") may stand inside a
    run without breaking it: "Kementerian Hukum dan HAM" is the run
    kementerian hukum ham. The canonical words take their place; the skipped
    words inside the run go with it.
    """

    __slots__ = ("_by_first", "_skip")

    def __init__(self, table: Mapping[tuple[str, ...], tuple[str, ...]], skip: frozenset[str]):
        self._skip = skip
        by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for phrase, canonical in table.items():
            by_first.setdefault(phrase[0], []).append((phrase, canonical))
        for runs in by_first.values():
            runs.sort(key=lambda run: -len(run[0]))
        self._by_first = by_first

    def replace(self, words: list[Word]) -> list[Word]:
        by_first = self._by_first
        if not any(key in by_first for key, _ in words):
            return words  # the usual case: a person's name
        out: list[Word] = []
        i = 0
        while i < len(words):
            end, canonical = self._match(words, i)
            if canonical is None:
                out.append(words[i])
                i += 1
            else:
                out.extend((word, False) for word in canonical)
                i = end
        return out

    def _match(self, words: list[Word], start: int) -> tuple[int, tuple[str, ...] | None]:
        for phrase, canonical in self._by_first.get(words[start][0], ()):
            at = start
            for part in phrase:
                while at < len(words) and at > start and words[at][0] in self._skip and words[at][0] != part:
                    at += 1
                if at == len(words) or words[at][0] != part:
                    break
                at += 1
            else:
                return at, canonical
        return start, None


def _keys(text: str) -> tuple[str, ...]:
    """A form as written in the data, as the keys normalize compares: no removed words."""
    return tuple(word for word in text.casefold().replace(".", "").split() if word not in _RULES.removed)


def _table(groups: Iterable[tuple[str, list[str]]]) -> dict[tuple[str, ...], tuple[str, ...]]:
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for canonical, forms in groups:
        target = _keys(canonical)
        for form in forms:
            phrase = _keys(form)
            if phrase in table and table[phrase] != target:
                raise ValueError(f"name_organisations.toml: {form!r} is listed for {table[phrase]} and {target}")
            if phrase != target:
                table[phrase] = target
    return table


def _load() -> Phrases:
    data = tomllib.loads(resources.files("screening.domain").joinpath("name_organisations.toml").read_text("utf-8"))
    groups = [(entry["name"], entry["forms"]) for entry in data["organisation"]]
    groups += [(region, forms) for region, forms in data["regions"].items()]
    return Phrases(_table(groups), _RULES.removed)


ORGANISATIONS = _load()
