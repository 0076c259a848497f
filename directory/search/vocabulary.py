"""The index's unstemmed words, as `querying.parse()` asks about them: known? a prefix? closest?

Typo correction compares the word with the indexed words sharing its first letter through
rapidfuzz's C++ Levenshtein (no Python loop over the words); the word lists are read once per
index generation and first letter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein


class IndexVocabulary(ABC):
    """One generation of an index's words; engines say how to read them."""

    def __init__(self):
        self._buckets: dict[str, tuple[list[str], dict[str, int]]] = {}

    @abstractmethod
    def known(self, word: str) -> bool: ...

    @abstractmethod
    def has_prefix(self, word: str) -> bool: ...

    @abstractmethod
    def words_starting(self, prefix: str) -> list[tuple[str, int]]:
        """Return (word, number of documents holding it) for the words starting with prefix."""

    def closest(self, word: str, maxdist: int) -> str | None:
        """Return the indexed word nearest to word (same first letter), the most common first."""
        if not word:
            return None
        bucket = self._buckets.get(word[0])
        if bucket is None:
            pairs = self.words_starting(word[0])
            bucket = self._buckets[word[0]] = ([w for w, _ in pairs], dict(pairs))
        words, frequency = bucket
        matches = process.extract(
            word, words, scorer=Levenshtein.distance, score_cutoff=maxdist, limit=None
        )
        if not matches:
            return None
        return min(matches, key=lambda m: (m[1], -frequency[m[0]], m[0]))[0]
