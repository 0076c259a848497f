"""Full-text search of published fiches and of the type lexicon (French, facets, territory)."""

from flask import Blueprint

blueprint = Blueprint(
    "search",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/search",
)
