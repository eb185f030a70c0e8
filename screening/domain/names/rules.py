"""The rules of name matching, as data: name_rules.toml, loaded once at import."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources


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
    shift: tuple[_Rewrite, ...]  # applied to the skeleton: sound shifts, the loose skeleton
    title_phrases: frozenset[tuple[str, ...]]  # titles of several words ("ida bagus")
    aliases: Mapping[str, str]  # spelled variant -> canonical word
    initials: Mapping[str, str]  # one-letter first word -> canonical word
    split_prefixes: tuple[tuple[str, str], ...]  # (form, canonical word), longest form first
    min_rest: int
    weights: Mapping[str, float]  # skeleton -> weight
    distinct: frozenset[str]  # names never taken for each other's typo, spelled and as skeletons
    distinct_words: frozenset[str]  # the same names, spelled only: never taken for each other by a shift
    skeleton_similarity: float
    shift_similarity: float
    initial_similarity: float
    initial_weight: float
    typo_min_length: int
    neighbour_keys: frozenset[tuple[str, str]]  # (letter, letter) on neighbouring keys, both orders
    conflict: float
    extra: float
    evidence: float
    deny: float
    review: float
    same_person: float


def _rewrites(items: list[dict]) -> tuple[_Rewrite, ...]:
    return tuple(_Rewrite(re.compile(item["pattern"]), item["replace"],
                          re.compile(item["only_if"]) if "only_if" in item else None) for item in items)


def _load_rules() -> _Rules:
    data = tomllib.loads(resources.files("screening.domain").joinpath("name_rules.toml").read_text("utf-8"))
    spelling = _rewrites(data["spelling"])
    skeleton = _rewrites(data["skeleton"])
    shift = _rewrites(data["shift"])

    def spell(word: str) -> str:
        return _apply(spelling, word)

    aliases = {spell(variant): canonical
               for canonical, variants in data["aliases"].items() for variant in (canonical, *variants)}

    def skeleton_of(word: str) -> str:  # a listed word as the matcher will see it
        spelled = spell(word)
        return _apply(shift, _apply(skeleton, aliases.get(spelled, spelled)))

    def strict_of(word: str) -> str:  # before the sound shifts
        spelled = spell(word)
        return _apply(skeleton, aliases.get(spelled, spelled))

    weights = {skeleton_of(word): group["weight"] for group in data["weights"] for word in group["words"]}
    prefixes = sorted(((form, canonical) for canonical, forms in data["split"]["prefixes"].items()
                       for form in forms), key=lambda item: -len(item[0]))
    scoring, thresholds = data["scoring"], data["thresholds"]
    if not 0 < scoring["shift"] <= scoring["skeleton"] <= 1:
        raise ValueError("name_rules.toml: a sound shift cannot score above a spelling: 0 < shift <= skeleton <= 1")
    if not (scoring["conflict"] >= 1 >= scoring["extra"] > 0 and scoring["evidence"] > 0):
        raise ValueError("name_rules.toml: the index's bounds need conflict >= 1 >= extra > 0 < evidence")
    return _Rules(
        titles=frozenset(word for words in data["titles"].values() for word in words),
        degrees=frozenset(data["degrees"]["all"]),
        ambiguous_degrees=frozenset(data["degrees"]["ambiguous"]),
        removed=frozenset(word for words in data["removed"].values() for word in words),
        spelling=spelling,
        skeleton=skeleton,
        shift=shift,
        title_phrases=frozenset(tuple(phrase.split()) for phrases in data["title_phrases"].values()
                                for phrase in phrases),
        aliases=aliases,
        initials=dict(data["initials"]),
        split_prefixes=tuple(prefixes),
        min_rest=data["split"]["min_rest"],
        weights=weights,
        distinct=frozenset(form for word in data["distinct_names"]["words"]
                           for form in (skeleton_of(word), strict_of(word), spell(word))),
        distinct_words=frozenset(spell(word) for word in data["distinct_names"]["words"]),
        skeleton_similarity=scoring["skeleton"],
        shift_similarity=scoring["shift"],
        initial_similarity=scoring["initial"],
        initial_weight=scoring["initial_weight"],
        typo_min_length=scoring["typo_min_length"],
        neighbour_keys=_neighbour_keys(scoring["keyboard"]),
        conflict=scoring["conflict"],
        extra=scoring["extra"],
        evidence=scoring["evidence"],
        deny=thresholds["deny"],
        review=thresholds["review"],
        same_person=thresholds["same_person"],
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
SAME_PERSON_THRESHOLD: float = _RULES.same_person
