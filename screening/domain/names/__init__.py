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

One module per idea, each importing only those before it: rules (the data
of name_rules.toml), lookalikes (names typed to look like another: invisible
characters, letters of other scripts, digits, letters spelled apart; the data
of name_lookalikes.toml), organisations (institutions by acronym or in
full, and regions: "Bank Rakyat Indonesia" is BRI; the data of
name_organisations.toml), normalize, similarity, search (candidates, bounds
and cutoffs) and index (NameIndex). A word has a skeleton (spelled by ear:
Fatimah, Fatima) and a loose skeleton (the sound shifts of the regions and
traditions on top: Pauzi, Fauzi; Putu, Wayan), scored a little lower.
"""

from screening.domain.names.index import Accept, NameIndex, NameQuery
from screening.domain.names.normalize import normalize_name
from screening.domain.names.rules import DEFAULT_DENY_THRESHOLD, DEFAULT_REVIEW_THRESHOLD, SAME_PERSON_THRESHOLD
from screening.domain.names.search import NameMatch
from screening.domain.names.similarity import NameScore, name_similarity, words_within

# tests/unit/test_names.py checks the pairing budget through the package.
from screening.domain.names.similarity import _MAX_PAIRINGS, _best_pairing  # noqa: F401

__all__ = [
    "DEFAULT_DENY_THRESHOLD",
    "DEFAULT_REVIEW_THRESHOLD",
    "SAME_PERSON_THRESHOLD",
    "Accept",
    "NameIndex",
    "NameMatch",
    "NameQuery",
    "NameScore",
    "name_similarity",
    "normalize_name",
    "words_within",
]
