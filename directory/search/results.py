"""What a search asks and answers, shared by the views and every engine (plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field

FACETS = ("type", "departement", "public", "qui_peut_saisir", "notification_mdph")


@dataclass
class SearchRequest:
    """What the user asked: words, filters (the FilterForm's), page."""

    q: str = ""
    filters: dict = field(default_factory=dict)
    page: int = 1
    per_page: int = 20


@dataclass
class Hit:
    slug: str
    nom: str
    sigle: str
    type: str
    extrait: str  # HTML: escaped text with <mark> around matched words
    kind: str = "fiche"  # or "type", an entry of the lexicon


@dataclass
class SearchResults:
    total: int
    page: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]  # facet → code → count (other filters applied)
    correction: str | None
    types: list[Hit]
    place_words: list[str] = field(default_factory=list)
