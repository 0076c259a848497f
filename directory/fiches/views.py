"""Public pages of fiches: list, fiche, lexicon of types, « Qui intervient à … ? » (editing
pages are in `edit_views`)."""

from flask import abort, current_app, jsonify, render_template, request, send_from_directory
from flask_login import current_user
from sqlalchemy import func, select

from directory.accounts import permissions as perm
from directory.extensions import db
from directory.fiches import blueprint, provenance, queries, referentiels
from directory.fiches.forms import FilterForm
from directory.fiches.models import DispositifType, Fiche
from directory.fiches.schemas import SCHEMAS
from directory.fiches.services import completeness, fiche_to_data
from directory.map.assets import fiche_map
from directory.territoires import services as territoires


def _filter_form() -> FilterForm:
    return FilterForm(formdata=request.args, meta={"csrf": False})


@blueprint.route("/fiches")
def list_fiches():
    form = _filter_form()
    valid = form.validate()
    filters = form.filters() if valid else {}
    page = form.page.data or 1 if valid else 1
    pagination = queries.paginate_fiches(filters, page, current_app.config["FICHES_PER_PAGE"])
    status = 200 if valid else 400
    return render_template(
        "fiches/list.html", form=form, pagination=pagination, filters=filters, labels=_labels()
    ), status


def _labels() -> dict:
    return {kind: referentiels.labels(kind) for kind in referentiels.VALUE_KINDS}


def _visible_fiche_or_404(slug: str) -> Fiche:
    fiche = db.session.scalar(select(Fiche).where(Fiche.slug == slug))
    if fiche is None or not perm.can_view_fiche(current_user, fiche):
        abort(404)
    return fiche


@blueprint.route("/fiches/<slug>")
def show_fiche(slug: str):
    fiche = _visible_fiche_or_404(slug)
    data = fiche_to_data(fiche)
    members = perm.is_member(current_user)
    commune = territoires.get_commune(fiche.commune_code) if fiche.commune_code else None
    return render_template(
        "fiches/show.html",
        fiche=fiche,
        data=data,
        missing=completeness(data)[1],
        labels=_labels(),
        territory=territoires.territory_labels([(t.level, t.code) for t in fiche.territories]),
        commune=commune,
        territory_map=fiche_map(fiche, commune),
        related=queries.related_fiches(fiche),
        same_porteur=queries.same_porteur_fiches(fiche),
        public_contacts=[c for c in fiche.contacts if members or c.visibility.value == "public"],
        can_edit=perm.can_edit_fiche(current_user, fiche),
        notes=provenance.field_notes(fiche),
        facts_span=provenance.facts_span(fiche),
        site_phones=provenance.site_phones(fiche),
        site_communes=territoires.communes_by_code({s.commune_code for s in fiche.sites}),
    )


@blueprint.route("/types")
def list_types():
    counts = queries.count_by_type()
    return render_template("fiches/types.html", types=referentiels.types(), counts=counts)


# A type page and each group of « Qui intervient » show this many fiches, then link to the list.
TYPE_PAGE_SHOWN = 50
GROUP_SHOWN = 10


@blueprint.route("/types/<code>")
def show_type(code: str):
    type_ = db.session.get(DispositifType, code) or abort(404)
    of_type = queries.visible_fiches().where(Fiche.type_code == code)
    total = db.session.scalar(select(func.count()).select_from(of_type.subquery()))
    fiches = db.session.scalars(of_type.order_by(Fiche.name).limit(TYPE_PAGE_SHOWN)).all()
    successor = (
        db.session.get(DispositifType, type_.successor_code) if type_.successor_code else None
    )
    predecessors = db.session.scalars(
        select(DispositifType)
        .where(DispositifType.successor_code == code)
        .order_by(DispositifType.position)
    ).all()
    return render_template(
        "fiches/type.html",
        type=type_,
        fiches=fiches,
        total=total,
        successor=successor,
        predecessors=predecessors,
        sources=referentiels.ordered_sources(type_),
    )


@blueprint.route("/referentiels")
def list_referentiels():
    vocabularies = [
        (kind, title, referentiels.values(kind)) for kind, title in referentiels.VALUE_KINDS.items()
    ]
    return render_template("fiches/referentiels.html", vocabularies=vocabularies)


@blueprint.route("/qui-intervient")
def qui_intervient():
    code = request.args.get("commune", "").strip()
    text = request.args.get("q", "").strip()
    commune, candidates, groups, status = None, [], [], 200
    if code:
        commune = territoires.get_commune(code)
        if commune is None:
            status = 404
        else:
            groups = queries.group_by_type(queries.covering_fiches(commune))
    elif text:
        candidates = territoires.find_communes(text, limit=30)
        if len(candidates) == 1:
            commune = candidates[0]
            groups = queries.group_by_type(queries.covering_fiches(commune))
    return render_template(
        "fiches/qui_intervient.html",
        group_shown=GROUP_SHOWN,
        commune=commune,
        candidates=candidates,
        groups=groups,
        code=code,
        text=text,
        level_labels=territoires.LEVEL_LABELS,
    ), status


@blueprint.route("/fiches/<slug>.json")
def fiche_json(slug: str):
    fiche = _visible_fiche_or_404(slug)
    schema = SCHEMAS[perm.fiche_audience(current_user, fiche)]
    data = fiche_to_data(fiche)
    # A link to a fiche the reader may not see (a draft, an archived fiche) would tell its slug.
    visible = {
        link.to_fiche.slug
        for link in fiche.links_out
        if perm.can_view_fiche(current_user, link.to_fiche)
    }
    data["links"] = [link for link in data["links"] if link["fiche"] in visible]
    return jsonify(schema().dump(data))


@blueprint.route("/standard/fiche.schema.json")
def standard_schema():
    return send_from_directory(
        referentiels.SCHEMAS_DIR, "fiche.schema.json", mimetype="application/schema+json"
    )


@blueprint.route("/standard/referentiels/<name>.json")
def standard_referentiel(name: str):
    if name not in {"types", *referentiels.VALUE_KINDS}:
        abort(404)
    return send_from_directory(referentiels.REFERENTIELS_DIR, f"{name}.json")
