"""French analysis for the index: Whoosh pickles these analyzers, so they live at a stable path.

Order matters: accents are folded *before* the Snowball stemmer, so that "handicapées" and
"handicapees" reach the stemmer as the same word; stemming accented words first misses about a
fifth of them. A final "e" left on a long stem is then dropped ("handicape" → "handicap").
"""

import re

from unidecode import unidecode
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

# Letters and digits; the apostrophe splits "l'autisme" into "l" and "autisme".
TOKEN_PATTERN = r"\w+"  # noqa: S105 - a regular expression of words, not a token
FRENCH_STOP_WORDS = frozenset(stopwords_for_language("fr")) | {"d", "l", "j", "qu", "n", "s"}


class DropFinalE(Filter):
    """Drop a final "e" on tokens of six letters or more (the stemmer leaves "handicape")."""

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            if len(text) >= 6 and text.endswith("e"):
                token.text = text[:-1]
            yield token


def french_analyzer():
    """Return the stemmed analyzer: tokenise, lowercase, stop words, fold, stem, drop final e."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=1)
        | CharsetFilter(accent_map)
        | StemFilter(lang="fr", cachesize=50000)
        | DropFinalE()
    )


def plain_analyzer():
    """Return the unstemmed analyzer (prefixes and typo vocabulary): tokenise, lowercase, fold."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def fold(text: str | None) -> str:
    """Lower-case and fold accents, keeping letters, digits and spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", unidecode(text or "").lower()).split())


def folded_stop_words() -> frozenset[str]:
    """Return the stop words as typed without accents ("à" → "a")."""
    return frozenset(fold(w) for w in FRENCH_STOP_WORDS)


def words(text: str | None) -> list[str]:
    """Return the folded words of a text, in order."""
    return fold(text).split()


def stems(text: str | None) -> list[str]:
    """Return the stemmed tokens of a text, as the index sees them."""
    return [t.text for t in french_analyzer()(text or "")]
