"""The map pages: /carte (map + list of the same results), its GeoJSON data, the coverage."""

import gzip
import json

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.datastructures import MultiDict

from directory import messages as m
from directory.core import cache
from directory.core.limits import clamp_page
from directory.extensions import db
from directory.fiches.forms import FilterForm
from directory.fiches.models import Fiche
from directory.map import blueprint, services
from directory.map.assets import VENDOR, local_assets, outlines
from directory.map.forms import CoverageForm
from directory.map.render import SHADES, WHITE_ZONE, render_coverage, render_map

UNPLACED_LIMIT = 100
GZIP_MIN_SIZE = 1000


def _form() -> FilterForm:
    return FilterForm(formdata=request.args, meta={"csrf": False})


def _gzipped(response: Response) -> Response:
    """Compress a response when the client accepts gzip and it is worth it."""
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    if request.accept_encodings["gzip"] and len(body) >= GZIP_MIN_SIZE:
        response.set_data(gzip.compress(body, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
    return response


@blueprint.route("/carte/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    if package not in VENDOR:
        abort(404)
    return send_from_directory(VENDOR[package], filename, max_age=86400)


@blueprint.route("/carte/legende.css")
def legend_css():
    """Serve the legend's colours as classes: the CSP refuses style attributes."""
    rules = [
        f".{style['css_class']} {{ background-color: {style['colour']}; }}"
        for style in services.type_styles().values()
    ]
    rules += [
        f".shade-{n} {{ background-color: {colour}; }}"
        for n, colour in enumerate((WHITE_ZONE, *SHADES))
    ]
    response = Response("\n".join(rules) + "\n", mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@blueprint.route("/carte")
def map_page():
    form = _form()
    valid = form.validate()
    filters = form.filters() if valid else {}
    filters.pop("page", None)
    query = services.matching_fiches(filters)
    page = (form.page.data or 1) if valid else 1
    listing = db.paginate(
        query.order_by(Fiche.name, Fiche.id),
        page=clamp_page(page),
        per_page=current_app.config["FICHES_PER_PAGE"],
        error_out=False,
    )
    unplaced = db.session.scalars(services.unplaced(query).limit(UNPLACED_LIMIT)).all()
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    parts = render_map(
        data_url=url_for("map.fiches_geojson", **args),
        outlines=outlines(),
        assets=local_assets(),
        tiles_url=current_app.config.get("MAP_TILES_URL"),
        tiles_attribution=current_app.config["MAP_TILES_ATTRIBUTION"],
    )
    html = render_template(
        "map/map.html",
        form=form,
        filters=filters,
        listing=listing,
        unplaced=unplaced,
        parts=parts,
        styles=services.type_styles(),
        args=args,
    )
    return _gzipped(Response(html, status=200 if valid else 400, mimetype="text/html"))


@blueprint.route("/carte/fiches.geojson")
def fiches_geojson():
    form = _form()
    if not form.validate():
        body = {"error": "Requête invalide", "message": m.SEARCH_INVALID, "errors": form.errors}
        return Response(json.dumps(body), status=400, mimetype="application/json")
    filters = form.filters()
    filters.pop("page", None)

    def build() -> bytes:
        collection = services.feature_collection(
            services.matching_fiches(filters),
            lambda slug: url_for("fiches.show_fiche", slug=slug),
        )
        return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()

    if filters.get("q"):
        # Free text goes through the search index, which follows commits a moment later.
        return _gzipped(Response(build(), mimetype="application/geo+json"))
    key = ("geojson", tuple(sorted(request.args.items(multi=True))))
    return cache.cached_response(key, build, "application/geo+json")


@blueprint.route("/carte/couverture")
def coverage():
    formdata = MultiDict({"type": services.resolve_type(request.args.get("type", ""))})
    form = CoverageForm(formdata=formdata, meta={"csrf": False})
    chosen = "type" in request.args
    valid = form.validate() if chosen else False
    rows, parts, type_ = [], None, None
    if valid:
        type_ = services.type_styles()[form.type.data]
        rows = services.coverage_by_departement(form.type.data)
        outline = outlines(("departement",)).get("departement", {})
        parts = render_coverage(
            outline=outline, counts={r["code"]: r["count"] for r in rows}, assets=local_assets()
        )
    html = render_template(
        "map/coverage.html",
        form=form,
        rows=rows,
        parts=parts,
        type_=type_,
        no_fiche=services.NO_FICHE,
        white_zone=WHITE_ZONE,
        shades=SHADES,
    )
    return _gzipped(
        Response(html, status=400 if chosen and not valid else 200, mimetype="text/html")
    )
