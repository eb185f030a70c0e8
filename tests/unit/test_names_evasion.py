"""Names typed to slip past the watchlist (issue 12): look-alike letters of other
scripts, digits for letters, letters spelled apart, invisible characters. Each
is read as the plain name; what looks like them but is not stays as it was."""

import dataclasses
import random
import tomllib
import unicodedata
from importlib import resources

import pytest
from snapshots import engine_for, make_snapshot, request
from test_names import brute_force, evaluate, random_name

from screening.domain.entries import check_text
from screening.domain.errors import InvalidEntry, InvalidRequest
from screening.domain.model import BlockAction, Decision, Reason
from screening.domain.names import (DEFAULT_DENY_THRESHOLD, DEFAULT_REVIEW_THRESHOLD, NameIndex, name_similarity,
                                    normalize_name)
from screening.domain.validation import validate_request
from screening.domain.watchlist import WatchCategory, Watchlist, WatchRow

EVASIONS = [
    # letters of other scripts, upper and lower case
    pytest.param("\u0405iti \u0410minah", "Siti Aminah", id="cyrillic-capitals"),  # Ѕ, А
    pytest.param("Siti Amin\u0430h", "Siti Aminah", id="cyrillic-small-a"),
    pytest.param("\u0405\u0456\u0442\u0456 \u0410\u043c\u0456\u043f\u0430\u04bb", "Siti Aminah",
                 id="all-cyrillic"),  # Ѕіті Аміпаһ: not one Latin letter
    pytest.param("B\u03b1mb\u03b1ng \u03a4\u0399\u039c\u039f", "Bambang Timo", id="greek"),  # α, Τ Ι Μ Ο
    pytest.param("Bamban\u0261 Sutr\u0131sno", "Bambang Sutrisno", id="ipa-g-dotless-i"),
    pytest.param("\uff33\uff49\uff54\uff49 \U0001d400\U0001d426\U0001d422\U0001d427\U0001d41a\U0001d421",
                 "Siti Aminah", id="fullwidth-and-mathematical"),  # NFKD did this already
    # digits for letters
    pytest.param("S1ti Am1nah", "Siti Aminah", id="digit-1"),
    pytest.param("B4mbang", "Bambang", id="digit-4"),
    pytest.param("5iti Aminah", "Siti Aminah", id="digit-5-first"),
    pytest.param("B0b0 Sut3ja", "Bobo Suteja", id="digits-0-3"),
    pytest.param("Ma1ik Ha1im", "Malik Halim", id="digit-1-between-vowels"),
    pytest.param("Abdu11ah Bud1", "Abdullah Budi", id="digit-1-doubled-and-last"),
    # letters spelled apart
    pytest.param("S i t i Aminah", "Siti Aminah", id="spaced"),
    pytest.param("S.I.T.I. Aminah", "Siti Aminah", id="dotted"),
    pytest.param("S.i.t.i Aminah", "Siti Aminah", id="dotted-mixed-case"),
    pytest.param("Siti A-m-i-n-a-h", "Siti Aminah", id="hyphenated"),
    pytest.param("S 1 t 1 Aminah", "Siti Aminah", id="spaced-with-digits"),
    # invisible characters
    pytest.param("Si\u200bti Ami\u200cnah", "Siti Aminah", id="zero-width-space-non-joiner"),
    pytest.param("Siti\u200d Ami\u2060nah\ufeff", "Siti Aminah", id="joiner-word-joiner-bom"),
    pytest.param("Ban\u00adbang", "Banbang", id="soft-hyphen"),
    pytest.param("\u202eSiti\u202c \u2066Aminah\u2069\u200e\u200f", "Siti Aminah", id="bidirectional"),
    pytest.param("Siti\u200bAminah", "Siti Aminah", id="zero-width-space-between-words"),
]


@pytest.mark.parametrize("evasive, plain", EVASIONS)
def test_an_evasive_spelling_reads_as_the_plain_name(evasive, plain):
    assert normalize_name(evasive) == normalize_name(plain)
    result = name_similarity(evasive, plain)
    assert result.score >= DEFAULT_DENY_THRESHOLD and not result.partial


LISTS = dataclasses.replace(make_snapshot(), watchlist=Watchlist([
    WatchRow(1, "Siti Aminah", (), WatchCategory.VICTIM, BlockAction.DENY),
    WatchRow(2, "Bambang Sutrisno", (), WatchCategory.WITNESS, BlockAction.DENY),
    WatchRow(3, "Malik Halim", (), WatchCategory.OFFICER, BlockAction.DENY),
]))


@pytest.mark.parametrize("name", ["\u0405iti \u0410minah", "Bamban\u0261 Sutr\u0131sno", "S1ti Am1nah", "Ma1ik Ha1im",
                                  "B4mbang Sutr1sno", "S i t i Aminah", "S.I.T.I. Aminah", "Si\u200bti Aminah"])
def test_the_engine_denies_each_evasion_of_a_deny_entry(name):
    screening = engine_for(LISTS).screen(request("0857-1234-5678", called_party_name=name))
    watch = [f.effect for f in screening.findings if f.reason is Reason.WATCHLIST_MATCH]
    assert watch == [Decision.DENY] and screening.decision is Decision.DENY


@pytest.mark.parametrize("name, words", [
    ("M. Yusuf", ("muhammad", "yusuf")),  # one initial
    ("R. A. Kartini", ("r", "a", "kartini")),  # two initials stay initials
    ("B. J. Habibie", ("b", "j", "habibie")),
    ("Budi Santoso S. H.", ("budi", "santoso", "s", "h")),
    ("Blok 3 Budi", ("blok", "budi")),  # a number alone is not read
    ("Siti Aminah 2", ("siti", "aminah")),
    ("Budi2", ("budi",)),  # 2 is not a letter here
    ("A12 Budi", ("a", "budi")),  # mostly digits: not a word
    ("Budi Santoso, S.H., M.H.", ("budi", "santoso")),  # the degrees still go
    ("Budi Santoso, S.H. 2", ("budi", "santoso")),
    ("Joko Widodo", ("joko", "widodo")),
])
def test_what_only_looks_like_an_evasion_reads_as_before(name, words):
    assert normalize_name(name) == words


def test_three_initials_become_one_word_and_still_match_themselves():
    # The price of joining spelled-out letters (name_lookalikes.toml, [joining]).
    assert normalize_name("H. M. S. Rahman") == ("hms", "rahman")
    assert name_similarity("H.M.S. Rahman", "H M S Rahman").score == 1.0


def test_a_name_still_differs_from_another_when_typed_evasively():
    assert name_similarity("S1ti Rahma", "Siti Aminah").score < 0.65
    assert name_similarity("Suh4rti", "Suharto").score == 0.0  # Suharti is not Suharto, in digits too


def test_the_look_alike_table_lists_only_what_nfkd_leaves_and_maps_to_one_latin_letter():
    data = tomllib.loads(resources.files("screening.domain").joinpath("name_lookalikes.toml").read_text("utf-8"))
    letters = [(letter, latin) for group in data["letters"].values() for letter, latin in group.items()]
    assert len(letters) > 100
    for letter, latin in letters:
        assert len(letter) == 1 and not letter.isascii() and unicodedata.category(letter).startswith("L"), letter
        folded = "".join(ch for ch in unicodedata.normalize("NFKD", letter) if not unicodedata.combining(ch))
        assert not folded.isascii(), f"{letter!r}: NFKD reads it already"
        assert len(latin) == 1 and latin.isascii() and latin.islower(), letter
    assert len({letter for letter, _ in letters}) == len(letters), "a letter is listed twice"
    assert set(data["digits"]["letters"]) <= set("0123456789")


def evasive(rng: random.Random, name: str) -> str:
    """The name typed to look like itself, one of the ways above."""
    match rng.randrange(4):
        case 0:
            return name.translate({ord("a"): "\u0430", ord("o"): "\u043e", ord("S"): "\u0405", ord("i"): "\u0456"})
        case 1:
            return name.translate({ord("i"): "1", ord("a"): "4", ord("e"): "3", ord("o"): "0"})
        case 2:
            first, _, rest = name.partition(" ")
            return f"{' '.join(first)} {rest}"
        case _:
            return "\u200b".join(name[i:i + 3] for i in range(0, len(name), 3))


def test_the_index_finds_evasive_spellings_as_scoring_every_name_does():
    rng = random.Random(20261202)
    rows = [(entry_id, random_name(rng)) for entry_id in range(1, 801)]
    index = NameIndex(rows)
    found_some = 0
    for _ in range(60):
        query = evasive(rng, rng.choice(rows)[1])
        expected = brute_force(rows, query, DEFAULT_DENY_THRESHOLD)
        assert {m.entry_id: (m.score, m.partial) for m in index.search(query, DEFAULT_DENY_THRESHOLD)} == expected
        found_some += bool(expected)
    assert found_some > 40


# --- invisible characters at the door: the API and the lists ------------------------------------

def test_the_called_party_name_may_hold_invisible_characters_but_no_control_characters():
    validate_request(request("0812-3456-7890", called_party_name="Si\u200bti\u00ad Aminah\u202e"))
    with pytest.raises(InvalidRequest) as caught:
        validate_request(request("0812-3456-7890", called_party_name="Siti\x07 Aminah"))
    assert [(v.field, v.description) for v in caught.value.violations] == [
        ("called_party_name", "contains control characters")]
    with pytest.raises(InvalidRequest) as caught:  # an identifier with an invisible character is another one
        validate_request(request("0812-3456-7890", inmate="A-1\u200b"))
    assert [v.field for v in caught.value.violations] == ["inmate_id"]


def test_list_names_are_stored_without_invisible_characters_and_identifiers_refuse_them():
    assert check_text("name", "\u200bSiti\u200b Ami\u00adnah\u200e ", 100) == "Siti Aminah"
    assert check_text("alias", "S\u2060iti", 100) == "Siti"
    for field, value, message in (("name", "\u200b\u200e", "name is required"),
                                  ("name", "Siti\x1b[2J", "name contains control characters"),
                                  ("inmate id", "A-1\u200b", "inmate id contains control characters"),
                                  ("reason", "tip\u202e", "reason contains control characters")):
        with pytest.raises(InvalidEntry, match=f"^{message}$"):
            check_text(field, value, 100)


# --- the labelled set, typed evasively ------------------------------------------------------------

def _spell_out(name: str, joiner: str) -> str:
    words = name.split(" ")
    longest = max(range(len(words)), key=lambda at: len(words[at]))
    words[longest] = joiner.join(words[longest])
    return " ".join(words)


TYPED = {
    "cyrillic": lambda name: name.translate({ord(latin): cyrillic for latin, cyrillic in zip(
        "aeopcSAi", "\u0430\u0435\u043e\u0440\u0441\u0405\u0410\u0456")}),
    "digits": lambda name: name.translate({ord(letter): digit for letter, digit in zip("iaeos", "14305")}),
    "spaced": lambda name: _spell_out(name, " "),
    "dotted": lambda name: _spell_out(name, "."),
    "invisible": lambda name: "\u200b".join(name),
}


def test_the_labelled_set_typed_evasively_measures_as_typed_plainly():
    """Every pair's first name typed each way: precision stays 1.000, recall
    within a pair or two of the plain figures (a stray " . " in "M . Yusuf"),
    but for digits: short words with two digits ("R41", "O31": Rai, Oei) are
    not read as letters (name_lookalikes.toml, min_letters), and Balinese and
    Chinese names have many, so a few more of those pairs are missed; and
    for letters spelled apart: a Balinese "I" or "I G A" before a spelled
    name joins it ("I N y o m a n": inyoman), as any one-letter run does."""
    plain = evaluate(DEFAULT_REVIEW_THRESHOLD, DEFAULT_DENY_THRESHOLD)
    print(f"\nplain      flag {plain[0]}\n           deny {plain[1]}")
    for way, typed in TYPED.items():
        flag, deny = evaluate(DEFAULT_REVIEW_THRESHOLD, DEFAULT_DENY_THRESHOLD, typed)
        print(f"{way:10} flag {flag}\n           deny {deny}")
        assert flag.precision == deny.precision == 1.0, way
        allowed = {"digits": 10, "spaced": 4, "dotted": 4}.get(way, 2)
        assert flag.true_positives >= plain[0].true_positives - allowed, way
        assert deny.true_positives >= plain[1].true_positives - allowed, way
