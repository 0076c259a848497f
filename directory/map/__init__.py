"""The public map: fiches clustered on the reference geography, served with local assets only."""

from flask import Blueprint

blueprint = Blueprint(
    "map",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/map",
)
