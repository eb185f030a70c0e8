"""The rest of Indonesia (issue 13): Balinese titles and birth-order names,
Batak marga, Chinese-Indonesian romanizations, regional sound shifts, and
institutions named by acronym. The labelled pairs of each class, and their
per-class figures, are in tests/unit/name_pairs.csv and test_names.py; these
tests hold each rule on its own, and the index to the scorer on such names."""

import itertools
import random
import tomllib
from importlib import resources

import pytest
from test_names import brute_force, perturb

from screening.domain.names import (
    DEFAULT_DENY_THRESHOLD,
    DEFAULT_REVIEW_THRESHOLD,
    NameIndex,
    name_similarity,
    normalize_name,
)
from screening.domain.names.rules import _RULES
from screening.domain.names.similarity import _word_similarity

ORGANISATIONS = tomllib.loads(
    resources.files("screening.domain").joinpath("name_organisations.toml").read_text("utf-8"))


def score(a: str, b: str) -> float:
    return name_similarity(a, b).score


# --- Balinese -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "tokens"), [
    pytest.param("I Nyoman Darma", ("nyoman", "darma"), id="gender-word"),
    pytest.param("Ida Bagus Made Oka", ("made", "oka"), id="ida-bagus"),
    pytest.param("I.B. Made Oka", ("made", "oka"), id="ib-dotted"),
    pytest.param("I B Made Oka", ("made", "oka"), id="ib-spaced"),
    pytest.param("Anak Agung Gede Agung", ("gede", "agung"), id="anak-agung-keeps-the-name-agung"),
    pytest.param("A.A. Gde Agung", ("gede", "agung"), id="aa-and-gde"),
    pytest.param("I Gusti Ayu Made Sari", ("made", "sari"), id="i-gusti-ayu"),
    pytest.param("I.G.A. Made Sari", ("made", "sari"), id="iga"),
    pytest.param("I G A Made Sari", ("made", "sari"), id="iga-spaced"),
    pytest.param("I Gusti Ngurah Rai", ("ngurah", "rai"), id="ngurah-is-a-name-word"),
    pytest.param("Tjokorda Gde Raka", ("gede", "raka"), id="cokorda-old-spelling"),
    pytest.param("Cok. Gede Putra", ("gede", "putra"), id="cok"),
    pytest.param("Desak Made Suarti", ("made", "suarti"), id="desak"),
    # The words of a title of several words are names on their own.
    pytest.param("Bagus Prakoso", ("bagus", "prakoso"), id="bagus-alone-is-a-name"),
    pytest.param("Ida Royani", ("ida", "royani"), id="ida-alone-is-a-name"),
    pytest.param("Ayu Ting Ting", ("ayu", "ting", "ting"), id="ayu-alone-is-a-name"),
    pytest.param("Ida Bagus", ("ida", "bagus"), id="never-the-whole-name"),
])
def test_balinese_titles(text, tokens):
    assert normalize_name(text) == tokens


def test_birth_order_words_of_one_child_are_one_name():
    for first, second in [("Putu", "Wayan"), ("Gede", "Wayan"), ("Kadek", "Made"), ("Nengah", "Kadek"),
                          ("Komang", "Nyoman")]:
        assert score(f"{first} Darma", f"{second} Darma") >= DEFAULT_DENY_THRESHOLD, (first, second)


def test_birth_order_words_of_other_children_and_other_core_names_are_other_people():
    assert score("Made Darma", "Nyoman Darma") < DEFAULT_REVIEW_THRESHOLD  # another child
    assert score("I Wayan Sudirta", "I Wayan Sudarta") < DEFAULT_REVIEW_THRESHOLD  # another core name
    assert score("Wayan", "Wayan Koster") < DEFAULT_REVIEW_THRESHOLD  # a birth order names nobody


# --- Batak --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Tiurma br. Simatupang", "Tiurma boru Simatupang", "Tiurma Br Simatupang",
                                  "Simatupang, Tiurma"])
def test_boru_and_the_comma_form(text):
    assert normalize_name(text) == normalize_name("Tiurma Simatupang") or \
        sorted(normalize_name(text)) == sorted(normalize_name("Tiurma Simatupang"))
    assert score(text, "Tiurma Simatupang") == 1.0


def test_the_marga_counts_fully():
    # Another marga is another family; the marga weighs as much as the given name.
    assert score("Rudi Siregar", "Rudi Nasution") < score("Rudi Santoso", "Rudi Saputra")
    assert name_similarity("Siregar", "Maruli Siregar").score >= DEFAULT_REVIEW_THRESHOLD


# --- Chinese-Indonesian -------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new"), [
    ("Liem", "Lim"), ("Oei", "Oey"), ("Oey", "Ui"), ("Tjoa", "Chua"), ("Hwa", "Hoa"), ("Hoa", "Hua"),
    ("Kwan", "Kuan"), ("Tjhin", "Chin"), ("Tjeng", "Ceng"), ("Kiem", "Kim"), ("Hock", "Hok"), ("Tay", "Tai"),
])
def test_chinese_romanizations(old, new):
    (a,), (b,) = normalize_name(old), normalize_name(new)
    assert _word_similarity(a, b) >= _RULES.shift_similarity
    assert score(f"{old} Budiman", f"{new} Budiman") >= DEFAULT_DENY_THRESHOLD


def test_one_syllable_ch_is_c_and_never_the_arabic_kh():
    assert normalize_name("Chan") == ("can",)
    assert score("Chan", "Khan") == 0.0
    assert normalize_name("Chairul") == ("khairul",)  # longer words keep the old ch = kh


def test_iel_is_two_syllables():
    assert score("Daniel", "Danil") < DEFAULT_DENY_THRESHOLD


def test_short_given_names_one_letter_apart_are_other_people():
    assert score("Tan Kim Hok", "Tan Kim Hak") < DEFAULT_REVIEW_THRESHOLD
    assert score("Tan Kim Liong", "Lim Kim Liong") < DEFAULT_REVIEW_THRESHOLD


# --- sound shifts -----------------------------------------------------------------------------

@pytest.mark.parametrize(("said", "written"), [
    ("Pauzi", "Fauzi"), ("Pebrianti", "Febrianti"), ("Nopianti", "Novianti"), ("Jaenal", "Zaenal"),
    ("Jakaria", "Zakaria"), ("Stiawan", "Setiawan"), ("Slamet", "Selamet"), ("Pramana", "Permana"),
    ("Kristina", "Keristina"), ("Saepulloh", "Syaifullah"),
])
def test_a_sound_shift_scores_as_a_shift(said, written):
    (a,), (b,) = normalize_name(said), normalize_name(written)
    assert _word_similarity(a, b) == _RULES.shift_similarity


@pytest.mark.parametrize(("a", "b"), [("Paris", "Faris"), ("Jaka", "Zaka"), ("Dewi", "Dwi"), ("Joan", "Juan"),
                                      ("Paulo", "Paula")])
def test_two_known_names_a_shift_would_merge_stay_two(a, b):
    assert score(a, b) == 0.0
    assert score(f"{a} Hutapea", f"{b} Hutapea") < DEFAULT_REVIEW_THRESHOLD


def test_every_shift_is_explained():
    """Each [[shift]] rule of name_rules.toml comes after a comment saying why it holds."""
    text = resources.files("screening.domain").joinpath("name_rules.toml").read_text("utf-8")
    parts = text.split("[[shift]]")
    assert len(parts) > 5
    for before, rule in zip(parts[1:-1], parts[2:]):  # the text between one rule and the next
        assert any(line.startswith("#") for line in before.splitlines()), rule


# --- organisations ----------------------------------------------------------------------------

@pytest.mark.parametrize("entry", ORGANISATIONS["organisation"], ids=lambda entry: entry["name"])
def test_every_form_of_an_organisation_is_the_organisation(entry):
    canonical = normalize_name(entry["name"])
    for form in entry["forms"]:
        assert normalize_name(form) == canonical, form
        assert normalize_name(f"PT {form.title()} (Persero) Tbk") == canonical, form


def test_one_organisation_is_not_another():
    names = [entry["name"] for entry in ORGANISATIONS["organisation"]]
    assert len({normalize_name(name) for name in names}) == len(names)
    for a, b in itertools.combinations(names, 2):
        assert score(a, b) < DEFAULT_REVIEW_THRESHOLD, (a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("Polda Jawa Barat", "Polda Jabar"), ("Polres Metro Jakarta Selatan", "Polres Jaksel"),
    ("Kepolisian Resor Bogor", "Polres Bogor"), ("Komando Distrik Militer Bogor", "Kodim Bogor"),
    ("Kementerian Hukum dan Hak Asasi Manusia", "Kemenkumham"), ("B.R.I.", "Bank Rakyat Indonesia"),
])
def test_units_with_their_region(a, b):
    assert score(a, b) == 1.0


def test_a_unit_of_another_region_or_kind_is_another_unit():
    assert score("Polres Bogor", "Polres Bekasi") < DEFAULT_REVIEW_THRESHOLD
    assert score("Polres Bogor", "Polsek Bogor") < DEFAULT_REVIEW_THRESHOLD
    assert score("Polda Jawa Barat", "Polda Jawa Timur") < DEFAULT_REVIEW_THRESHOLD


def test_branch_words_weigh_little():
    found = name_similarity("BRI", "Bank BRI Kantor Cabang Pembantu Bogor")
    assert found.partial and found.score >= DEFAULT_REVIEW_THRESHOLD


def test_a_person_is_not_read_as_an_organisation():
    assert normalize_name("Permata Sari") == ("permata", "sari")  # Bank Permata is permatabank
    assert score("Bank Permata", "Permata Sari") < DEFAULT_REVIEW_THRESHOLD


# --- the index on these names -------------------------------------------------------------------

GIVEN = """Wayan Putu Gede Made Kadek Nengah Nyoman Komang Ketut Darma Sudirta Sudarta Oka Raka Agung
Tiurma Tiarma Maruli Ruhut Kim Liong Hok Hak Hwa Hoa Eng Swie King Pauzi Fauzi Fauzan Jaenal Zaenal
Stiawan Setiawan Selamet Slamet Permana Pramana Paris Faris Jaka Zaka Dewi Dwi Saepulloh""".split()
FAMILY = """Simatupang Siregar Nasution Tan Lim Liem Oei Oey Tjoa Chua Hutapea Sinaga Arsana Sudarma""".split()
PREFIXES = ["I", "Ni", "Ida Bagus", "I.G.A.", "Anak Agung", "Cok.", "Tiurma br."]


def random_name(rng: random.Random) -> str:
    words = [rng.choice(PREFIXES)] if rng.random() < 0.2 else []
    words += [rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))]
    if rng.random() < 0.6:
        words.append(rng.choice(FAMILY))
    return " ".join(words)


def test_the_index_finds_what_scoring_every_name_finds_on_these_names():
    rng = random.Random("traditions")
    rows = [(entry_id, random_name(rng)) for entry_id in range(1, 1501)]
    rows += [(2000 + number, entry["name"]) for number, entry in enumerate(ORGANISATIONS["organisation"])]
    index = NameIndex(rows)
    names = [name for _, name in rows]
    checked = 0
    for number in range(150):
        query = random_name(rng) if number % 3 == 0 else perturb(rng, rng.choice(names))
        for threshold in (DEFAULT_REVIEW_THRESHOLD, DEFAULT_DENY_THRESHOLD):
            expected = brute_force(rows, query, threshold)
            found = index.search(query, threshold)
            assert {m.entry_id: (m.score, m.partial) for m in found} == expected, query
            checked += bool(expected)
    assert checked > 100
