"""Which published fiches the map shows, where, and how they look (colour and symbol per type)."""

from flask import Flask, current_app
from slugify import slugify
from sqlalchemy import Select, and_, false, func, select

from directory.core.cache import per_content
from directory.extensions import db
from directory.fiches import referentiels
from directory.fiches.models import Fiche, Site
from directory.fiches.queries import apply_filters, visible_fiches
from directory.search.backend import SearchRequest, get_backend
from directory.territoires import services as territoires

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
    """Narrow a fiche query to the fiches with neither coordinates nor a commune nor a site."""
    return query.where(
        and_(Fiche.latitude.is_(None), Fiche.commune_code.is_(None), ~Fiche.sites.any())
    ).order_by(Fiche.name, Fiche.id)


def _point(latitude, longitude, commune) -> list[float] | None:
    """Return [lon, lat]: the coordinates, else the commune's centre, else None."""
    if latitude is not None and longitude is not None:
        return [round(longitude, 5), round(latitude, 5)]
    if commune is not None:
        return [round(commune.longitude, 5), round(commune.latitude, 5)]
    return None


def fiche_points(fiche: Fiche, commune) -> list[tuple[float, float, str]]:
    """Return (lat, lon, label) of a fiche's address and of each of its sites."""
    points = []
    main = _point(fiche.latitude, fiche.longitude, commune)
    if main:
        points.append((main[1], main[0], f"Adresse : {commune.name}" if commune else "Adresse"))
    communes = territoires.communes_by_code({s.commune_code for s in fiche.sites if s.commune_code})
    for site in fiche.sites:
        point = _point(site.latitude, site.longitude, communes.get(site.commune_code))
        if point:
            points.append((point[1], point[0], site.name))
    return points


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
    by_slug = {row.slug: row for row in rows}
    site_rows = db.session.execute(
        select(Fiche.slug, Site.name, Site.latitude, Site.longitude, Site.commune_code)
        .join(Site, Site.fiche_id == Fiche.id)
        .where(Fiche.id.in_(query.with_only_columns(Fiche.id).order_by(None).scalar_subquery()))
        .order_by(Fiche.id, Site.position)
    ).all()
    communes = territoires.communes_by_code(
        {r.commune_code for r in (*rows, *site_rows) if r.commune_code}
    )
    places = [(row, row.latitude, row.longitude, row.commune_code, None) for row in rows]
    places += [
        (by_slug[s.slug], s.latitude, s.longitude, s.commune_code, s.name)
        for s in site_rows
        if s.slug in by_slug
    ]
    styles = type_styles()
    features = []
    for row, latitude, longitude, commune_code, site_name in places:
        commune = communes.get(commune_code)
        point = _point(latitude, longitude, commune)
        if point is None:
            continue  # listed beside the map instead
        style = styles.get(
            row.type_code, {"acronym": row.type_code, "colour": "#555", "symbol": "?"}
        )
        properties = {
            "nom": f"{row.name} — {site_name}" if site_name else row.name,
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


@per_content
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


def territory_shapes(app: Flask, wanted: dict[str, set[str]], read) -> list[dict]:
    """Return the GeoJSON features of territories (level → codes); read(path) parses a file."""
    shapes = []
    for level, codes in wanted.items():
        path = territoires.geojson_path(app, level)
        if path.is_file():
            by_code = read(path)
            shapes.extend(by_code[code] for code in sorted(codes) if code in by_code)
    return shapes
