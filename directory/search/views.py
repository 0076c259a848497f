"""Search pages: results with facets (HTML and JSON) and suggestions as you type."""

from flask import current_app, jsonify, render_template, request, url_for

from directory import messages as m
from directory.extensions import db
from directory.fiches.forms import FilterForm
from directory.search import blueprint, presenting
from directory.search.backend import SearchRequest, get_backend
from directory.territoires import services as territoires

PER_PAGE = 20


def _form() -> FilterForm:
    return FilterForm(formdata=request.args, meta={"csrf": False})


def _run(form: FilterForm):
    backend = get_backend(current_app)
    backend.ensure(db.session)
    filters = form.filters()
    query = SearchRequest(
        q=filters.pop("q", ""), filters=filters, page=form.page.data or 1, per_page=PER_PAGE
    )
    return backend.search(query)


@blueprint.route("/recherche.json")
def search_json():
    form = _form()
    if not form.validate():
        body = {"error": "Requête invalide", "message": m.SEARCH_INVALID, "errors": form.errors}
        return jsonify(body), 400
    return jsonify(presenting.results_json(_run(form)))


@blueprint.route("/recherche")
def search_page():
    form = _form()
    valid = form.validate()
    results = _run(form) if valid else None
    view = presenting.results_view(results, form) if valid else None
    return render_template("search/results.html", form=form, results=results, view=view), (
        200 if valid else 400
    )


@blueprint.route("/recherche/suggestions.json")
def suggestions_json():
    text = request.args.get("q", "").strip()[:100]
    suggestions = []
    if len(text) >= 2:
        backend = get_backend(current_app)
        backend.ensure(db.session)
        for hit in backend.suggest(text):
            suggestions.append(presenting.suggestion(hit))
        for commune in territoires.find_communes(text, limit=5):
            suggestions.append(
                {
                    "libelle": commune.label,
                    "url": url_for("fiches.qui_intervient", commune=commune.code),
                    "genre": "commune",
                }
            )
    return jsonify({"suggestions": suggestions})
