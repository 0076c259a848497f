"""The small interface views and services use, and the choice of engine by configuration.

`SEARCH_BACKEND` names the engine: "tantivy" (the default, fast) or "whoosh" (pure Python, the
directory's original engine). Both keep their index under SEARCH_INDEX_DIR/<engine>/ and follow
the database through the change log (see replica.py).
"""

from __future__ import annotations

import importlib
import os
from typing import Protocol

from flask import Flask

from directory.search.results import FACETS, Hit, SearchRequest, SearchResults

__all__ = ["FACETS", "ENGINES", "Hit", "SearchBackend", "SearchRequest", "SearchResults"]

DEFAULT_ENGINE = "tantivy"
# Engine name → "module:class"; imported on first use, so that the engines never import this
# module back and an unused engine is never loaded.
ENGINES = {
    "tantivy": "directory.search.tantivy_backend:TantivyBackend",
    "whoosh": "directory.search.whoosh_backend:WhooshBackend",
}


class SearchBackend(Protocol):
    path: str

    def exists(self) -> bool: ...
    def is_stale(self, session) -> bool: ...
    def rebuild(self, session) -> int: ...
    def ensure(self, session) -> None: ...
    def catch_up(self, session, timeout: float | None = None) -> int | None: ...
    def search(self, request: SearchRequest) -> SearchResults: ...
    def suggest(self, text: str, limit: int = 6) -> list[Hit]: ...
    def close(self) -> None: ...


def index_dir(app: Flask) -> str:
    """Return the index folder: SEARCH_INDEX_DIR, relative to the instance folder if relative."""
    return os.path.join(app.instance_path, app.config.get("SEARCH_INDEX_DIR") or "search")


def engine_name(app: Flask) -> str:
    """Return the configured engine's name (SEARCH_BACKEND), checked."""
    name = (app.config.get("SEARCH_BACKEND") or DEFAULT_ENGINE).lower()
    if name not in ENGINES:
        raise RuntimeError(f"SEARCH_BACKEND inconnu : {name!r} (attendu : {', '.join(ENGINES)})")
    return name


def get_backend(app: Flask) -> SearchBackend:
    """Return the application's backend, created once per process."""
    backend = app.extensions.get("search")
    if backend is None:
        name = engine_name(app)
        module, _, cls = ENGINES[name].partition(":")
        engine = getattr(importlib.import_module(module), cls)
        backend = app.extensions["search"] = engine(
            os.path.join(index_dir(app), name),
            lock_timeout=app.config.get("SEARCH_LOCK_TIMEOUT", 5.0),
        )
    return backend
