"""Relationships: registered texts to canonical kinds, and the address words callers use."""

import tomllib
from importlib import resources

import pytest

from screening.domain import relationships
from screening.domain.relationships import UNKNOWN, code_of, fits, kind_of, split_address

DATA = tomllib.loads(resources.files("screening.domain").joinpath("relationships.toml").read_text("utf-8"))
FORMS = [(form, kind) for kind, spec in DATA["kinds"].items() for form in spec["forms"]]
ADDRESS_WORDS = sorted({word for group in DATA["address"] for word in group["words"]})


@pytest.mark.parametrize(("form", "kind"), FORMS)
def test_every_registered_form_maps_to_its_kind(form, kind):
    assert kind_of(form) == kind
    assert kind_of(form.upper()) == kind
    assert relationships.KINDS[code_of(form)] == kind


def test_case_accents_spacing_punctuation_and_old_spelling_do_not_matter():
    for text in ("Ibu Kandung", "IBU KANDUNG", "  ibu   kandung ", "Ibú Kandung", "ibu-kandung", "Iboe kandoeng"):
        assert kind_of(text) == "mother", text
    assert kind_of("Kakak Laki-Laki") == "older_brother"
    assert kind_of("ISTRI.") == "wife"
    assert kind_of("Mother-in-law") == "parent_in_law"


def test_unknown_texts_are_unknown_not_guessed():
    for text in ("", "   ", "-", "ibu kandung saya", "tukang ojek", "xyz"):
        assert kind_of(text) == UNKNOWN, text
        assert code_of(text) == 0
    # A word inside the text decides nothing: an older cousin is not an older sibling.
    assert kind_of("kakak sepupu") == "cousin"
    assert kind_of("adik ipar") == "sibling_in_law"


def test_saudara_alone_is_any_relative_and_saudara_kandung_a_sibling():
    assert kind_of("saudara") == "relative"
    assert kind_of("saudara kandung") == "sibling"


def test_kinds_fit_in_the_allowlists_one_byte_codes():
    assert relationships.KINDS[0] == UNKNOWN
    assert len(relationships.KINDS) <= 127
    assert len(set(relationships.KINDS)) == len(relationships.KINDS)


@pytest.mark.parametrize("word", ADDRESS_WORDS)
def test_every_address_word_is_read_at_the_start_of_a_called_name(word):
    terms, rest = split_address(word)
    assert len(terms) == 1 and rest == ""
    assert split_address(f"{word.title()} Karto") == (terms, "Karto")


def test_split_address_takes_the_leading_words_longest_phrase_first():
    assert split_address("Mama") == (("mama",), "")
    assert split_address("Mama Siti") == (("mama",), "Siti")
    assert split_address("Mama, Siti Aminah") == (("mama",), "Siti Aminah")
    assert split_address("Pak De Karto") == (("pak de",), "Karto")
    assert split_address("Kakak Ipar") == (("kakak ipar",), "")
    assert split_address("Ibu Hj. Siti") == (("ibu",), "Hj. Siti")
    assert split_address("Siti Aminah") == ((), "Siti Aminah")
    # Only at the start: a word after the name is part of the name.
    assert split_address("Siti Mama") == ((), "Siti Mama")
    assert split_address("") == ((), "")


def test_address_words_are_case_and_accent_insensitive():
    for written in ("MAMA", "Mamá", "mama.", "Mama'"):
        assert split_address(written) == (("mama",), ""), written
    assert split_address("Oemi") == (("umi",), "")  # old spelling
    assert split_address("Ummi") == (("umi",), "")  # doubled letter


@pytest.mark.parametrize(("word", "kind"), [
    ("mama", "mother"), ("mamah", "mother"), ("bunda", "mother"), ("emak", "mother"), ("umi", "mother"),
    ("ibu", "mother"), ("mama", "parent"), ("mama", "relative"),
    # parents call each other what their children say
    ("mama", "wife"), ("papa", "husband"), ("ayah", "husband"), ("ibu", "wife"),
    ("mama", "parent_in_law"), ("bapak", "father"), ("abah", "father"),
    ("kakak", "older_sibling"), ("kakak", "brother"), ("kakak", "sister"), ("kakak", "sibling"),
    ("mas", "older_brother"), ("mas", "husband"), ("abang", "brother"), ("mbak", "sister"),
    ("adik", "younger_sibling"), ("adik", "brother"), ("adik", "wife"), ("adik", "child"),
    ("istri", "wife"), ("istri", "spouse"), ("suami", "husband"), ("sayang", "wife"), ("sayang", "partner"),
    ("nenek", "grandmother"), ("nenek", "grandparent"), ("kakek", "grandfather"), ("mbah", "grandmother"),
    ("om", "uncle"), ("tante", "aunt"), ("paman", "uncle"), ("bibi", "aunt"), ("pakde", "uncle"),
    ("bude", "aunt"), ("pak de", "uncle"), ("uwak", "aunt"),
    # the polite forms are said to anyone outside the family
    ("ibu", "lawyer"), ("bapak", "lawyer"), ("pak", "friend"), ("mas", "friend"), ("kakak", "employer"),
    ("om", "neighbour"), ("ibu", "other"),
])
def test_address_words_fit_the_relationships_they_are_said_to(word, kind):
    assert fits(word, kind)


@pytest.mark.parametrize(("word", "kind"), [
    ("mama", "brother"), ("mama", "father"), ("mama", "husband"), ("mama", "sister"), ("mama", "child"),
    ("mama", "friend"), ("papa", "mother"), ("papa", "wife"), ("ibu", "brother"), ("bapak", "sister"),
    ("mas", "sister"), ("mas", "younger_brother"), ("mbak", "brother"), ("kakak", "younger_sibling"),
    ("adik", "older_brother"), ("istri", "husband"), ("suami", "wife"), ("sayang", "mother"),
    ("nenek", "grandfather"), ("kakek", "mother"), ("om", "aunt"), ("tante", "uncle"),
])
def test_address_words_do_not_fit_other_relationships(word, kind):
    assert not fits(word, kind)


def test_with_no_relationship_registered_only_the_polite_forms_fit():
    for polite in ("ibu", "bu", "bapak", "pak", "mas", "mbak", "kakak", "adik", "om", "tante"):
        assert fits(polite, UNKNOWN), polite
    for family in ("mama", "papa", "ayah", "istri", "suami", "sayang", "nenek", "kakek", "paman"):
        assert not fits(family, UNKNOWN), family


def test_not_an_address_word_fits_nothing():
    assert not fits("siti", "mother")
    assert not fits("siti", UNKNOWN)
