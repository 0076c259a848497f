"""The French analyzer: accents, inflections, order of the filters, synonyms and acronyms."""

import pickle

import pytest
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.support.charset import accent_map

from directory.search.analysis import (
    FRENCH_STOP_WORDS,
    TOKEN_PATTERN,
    DropFinalE,
    french_analyzer,
    stems,
)
from directory.search.querying import synonym_table

MEETING_WORDS = [
    ("handicapées", "handicapees", "handicap", "handicapés", "handicapée"),
    ("Mézières", "mezieres", "MEZIERES"),
    ("coordination", "Coordination", "coordinations"),
    ("scolarisation", "scolarisations"),
    ("aidants", "aidant", "Aidants"),
    ("éducatif", "educatif", "éducatifs"),
]


@pytest.mark.parametrize("words", MEETING_WORDS, ids=[w[0] for w in MEETING_WORDS])
def test_inflections_and_accents_meet(words):
    assert len({tuple(stems(w)) for w in words}) == 1, {w: stems(w) for w in words}


def test_stop_words_and_apostrophes_are_dropped():
    assert stems("l'autisme de l'enfant") == stems("autisme enfant")


def test_folding_before_stemming_matters():
    stem_then_fold = (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=1)
        | StemFilter(lang="fr")
        | CharsetFilter(accent_map)
        | DropFinalE()
    )

    def other(text):
        return [t.text for t in stem_then_fold(text)]

    pairs = [("handicapées", "handicapees"), ("éducatives", "educatives"), ("sécurité", "securite")]
    assert all(stems(a) == stems(b) for a, b in pairs)
    assert any(other(a) != other(b) for a, b in pairs)


def test_the_analyzer_pickles_from_an_importable_module():
    analyzer = pickle.loads(pickle.dumps(french_analyzer()))  # noqa: S301 - our own bytes
    assert [t.text for t in analyzer("Handicapées")] == ["handicap"]
    assert DropFinalE.__module__ == "directory.search.analysis"


def test_synonym_table_joins_acronyms_and_leads_history_to_successors():
    table, _ = synonym_table()
    assert "autisme" in table["tsa"] and "tsa" in table["autisme"]
    assert "autisme" in table["autiste"]
    # phrases are compared without their stop words
    assert "plateforme coordination orientation" in table["pco"]
    assert "troubles neurodeveloppement" in table["tnd"]
    assert "maison departementale personnes handicapees" in table["mdph"]
    assert "dac" in table["reseau sante"]
    for old in ("maia", "pta", "cta"):
        assert "dac" in table[old]
    assert "maia" not in table["dac"]  # one way: the successor does not lead back
