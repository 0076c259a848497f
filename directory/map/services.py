"""Which published fiches the map shows, where, and how they look (colour and symbol per type)."""

from flask import Flask, current_app
from slugify import slugify
from sqlalchemy import Select, and_, false, func, select

from directory.extensions import db
from directory.fiches import referentiels
from directory.fiches.models import Fiche
from directory.fiches.queries import apply_filters, visible_fiches
from directory.search.backend import SearchRequest, get_backend
from directory.territoires import services as territoires
from directory.territoires.models import Commune

# Told apart by their symbol too (colour is never the only cue); each carries white text at
# 4.5:1 or more (WCAG 1.4.3: the symbols are small text).
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2a7a2a",
    "#7b4fa8",
    "#8c564b",
    "#a8327d",
    "#11707a",
    "#6b6b00",
    "#b04e00",
    "#393b79",
    "#637939",
    "#843c39",
)
SEARCH_LIMIT = 20_000  # every match of a free-text search, not a page of it


def type_styles() -> dict[str, dict]:
    """Return type code → {acronym, name, colour, symbol}, in référentiel order."""
    return {
        t.code: {
            "acronym": t.acronym,
            "name": t.name,
            "colour": PALETTE[i % len(PALETTE)],
            "symbol": t.acronym[:4],
            "css_class": f"type-{slugify(t.code)}",  # its colour: map.legend_css
        }
        for i, t in enumerate(referentiels.types())
    }


def matching_fiches(filters: dict, app: Flask | None = None) -> Select:
    """Select the published fiches matching the shared filters (free text through the index)."""
    filters = dict(filters)
    text = filters.pop("q", "")
    query = apply_filters(visible_fiches(), filters)
    if text:
        backend = get_backend(app or current_app)
        backend.ensure(db.session)
        request = SearchRequest(q=text, filters=filters, page=1, per_page=SEARCH_LIMIT)
        slugs = [hit.slug for hit in backend.search(request).hits]
        query = query.where(Fiche.slug.in_(slugs) if slugs else false())
    return query


def unplaced(query: Select) -> Select:
    """Narrow a fiche query to the fiches with neither coordinates nor a commune."""
    return query.where(and_(Fiche.latitude.is_(None), Fiche.commune_code.is_(None))).order_by(
        Fiche.name, Fiche.id
    )


def feature_collection(query: Select, fiche_url) -> dict:
    """Return the GeoJSON points of the fiches of a query: their coordinates, else their commune's
    centre; fiche_url(slug) gives each popup's link."""
    columns = (
        Fiche.slug,
        Fiche.name,
        Fiche.acronym,
        Fiche.type_code,
        Fiche.latitude,
        Fiche.longitude,
        Fiche.commune_code,
    )
    rows = db.session.execute(query.with_only_columns(*columns).order_by(Fiche.id)).all()
    codes = {row.commune_code for row in rows if row.commune_code}
    communes = {}
    if codes:
        found = select(Commune).where(Commune.code.in_(sorted(codes)))
        communes = {c.code: c for c in db.session.scalars(found)}
    styles = type_styles()
    features = []
    for row in rows:
        commune = communes.get(row.commune_code)
        if row.latitude is not None and row.longitude is not None:
            point = [round(row.longitude, 5), round(row.latitude, 5)]
        elif commune is not None:
            point = [round(commune.longitude, 5), round(commune.latitude, 5)]
        else:
            continue  # listed beside the map instead
        style = styles.get(
            row.type_code, {"acronym": row.type_code, "colour": "#555", "symbol": "?"}
        )
        properties = {
            "nom": row.name,
            "sigle": row.acronym or "",
            "type": style["acronym"],
            "commune": f"{commune.name} ({commune.departement_code})" if commune else "",
            "url": fiche_url(row.slug),
            "couleur": style["colour"],
            "symbole": style["symbol"],
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": point},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


NO_FICHE = "aucune fiche publiée dans l'annuaire"


def coverage_by_departement(type_code: str) -> list[dict]:
    """Return, per département of the region, how many published fiches of a type cover it
    (all or part of it: the département itself, the region, one of its EPCI or communes)."""
    rows = []
    for departement in territoires.departements():
        query = apply_filters(
            visible_fiches(), {"type": [type_code], "departement": departement.code}
        )
        count = db.session.scalar(query.with_only_columns(func.count()).order_by(None))
        rows.append({"code": departement.code, "name": departement.name, "count": count})
    return rows


def resolve_type(text: str) -> str:
    """Return the type code named by a code or an acronym, in any case (`PCPE` or `pcpe`)."""
    wanted = text.strip().lower()
    for t in referentiels.types():
        if wanted in (t.code.lower(), t.acronym.lower()):
            return t.code
    return text


def fiche_shapes(app: Flask, fiche: Fiche, read) -> list[dict]:
    """Return the GeoJSON features of the territories a fiche covers; read(path) parses a file."""
    wanted: dict[str, set[str]] = {}
    for territory in fiche.territories:
        wanted.setdefault(territory.level, set()).add(territory.code)
    shapes = []
    for level, codes in wanted.items():
        path = territoires.geojson_path(app, level)
        if path.is_file():
            by_code = read(path)
            shapes.extend(by_code[code] for code in sorted(codes) if code in by_code)
    return shapes
