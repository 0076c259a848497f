"""Which responses search engines may index: public pages as an anonymous visitor sees them.

Everything else says `noindex` (a `<meta name="robots">` in pages, an `X-Robots-Tag` header on
every response): drafts and archives (only signed-in editors see them), editor and admin pages,
sign-in and account pages, search results and filtered lists (any query string), errors, data.
"""

from flask import Response, request
from flask_login import current_user

from directory.about import blueprint, services

INDEXABLE = frozenset(
    {
        "core.home",
        "core.sources",
        "fiches.list_fiches",
        "fiches.show_fiche",
        "fiches.list_types",
        "fiches.show_type",
        "fiches.list_referentiels",
        "fiches.qui_intervient",
        "map.map_page",
        "map.coverage",
        "about.accessibility",
        "about.legal_notice",
        "about.personal_data",
        "about.site_plan",
    }
)
INDEX = "index, follow"
NOINDEX = "noindex"


def is_indexable() -> bool:
    """Tell whether the current request shows a public page as a crawler would see it."""
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint in INDEXABLE
        and not request.args
        and not current_user.is_authenticated
    )


@blueprint.app_context_processor
def page_helpers() -> dict:
    """Give every template its robots directive and the footer's accessibility status."""
    return {
        "robots_content": lambda: INDEX if is_indexable() else NOINDEX,
        "accessibility_status": services.ACCESSIBILITY_STATUS,
    }


@blueprint.after_app_request
def robots_header(response: Response) -> Response:
    """Say `noindex` on every response but the indexable pages served whole."""
    if response.status_code != 200 or not is_indexable():
        response.headers.setdefault("X-Robots-Tag", NOINDEX)
    return response
