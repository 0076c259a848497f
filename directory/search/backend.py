"""The small interface views and services use; Whoosh is one implementation behind it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Protocol

from flask import Flask

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


class SearchBackend(Protocol):
    def exists(self) -> bool: ...
    def is_stale(self, session) -> bool: ...
    def rebuild(self, session) -> int: ...
    def apply(self, session, fiche_ids: set[int], type_codes: set[str]) -> bool: ...
    def retry_pending(self, session) -> int: ...
    def search(self, request: SearchRequest) -> SearchResults: ...
    def suggest(self, text: str, limit: int = 6) -> list[Hit]: ...


def index_dir(app: Flask) -> str:
    """Return the index folder: SEARCH_INDEX_DIR, relative to the instance folder if relative."""
    return os.path.join(app.instance_path, app.config.get("SEARCH_INDEX_DIR") or "search")


def get_backend(app: Flask) -> SearchBackend:
    """Return the application's backend, created once per process."""
    backend = app.extensions.get("search")
    if backend is None:
        from directory.search.whoosh_backend import WhooshBackend

        timeout = app.config.get("SEARCH_LOCK_TIMEOUT", 5.0)
        backend = app.extensions["search"] = WhooshBackend(index_dir(app), lock_timeout=timeout)
    return backend
