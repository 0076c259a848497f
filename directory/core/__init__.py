"""Site-wide pages (home, sources et licences), layout, errors and shared helpers."""

from flask import Blueprint

from directory.core.forms import error_links

blueprint = Blueprint(
    "core",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/core",
)
blueprint.add_app_template_global(error_links)
