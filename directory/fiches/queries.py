"""Read queries on fiches: the public list with its filters, coverage of a commune, relations."""

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from directory.core.cache import per_content
from directory.core.limits import clamp_page
from directory.extensions import db
from directory.fiches.models import (
    Fiche,
    FicheLink,
    FicheTerritory,
    FicheValue,
    Statut,
    fiche_porteurs,
)
from directory.territoires.models import Commune, Departement
from directory.territoires.services import covering_codes

LEVEL_ORDER = ("commune", "epci", "departement", "region")


def visible_fiches() -> Select:
    """Select the fiches anyone may see: the published ones."""
    return select(Fiche).where(Fiche.status == Statut.PUBLIEE)


def _has_value(kind: str, codes: list[str]):
    return exists().where(
        FicheValue.fiche_id == Fiche.id, FicheValue.kind == kind, FicheValue.code.in_(codes)
    )


def _territory_matches(pairs: list[tuple[str, str]]):
    return exists().where(
        FicheTerritory.fiche_id == Fiche.id,
        or_(
            *(and_(FicheTerritory.level == lvl, FicheTerritory.code == code) for lvl, code in pairs)
        ),
    )


def _covers_departement(code: str):
    """Fiche covers at least part of a département: itself, its region, an EPCI or a commune."""
    in_dep = select(Commune.code).where(Commune.departement_code == code)
    epcis_in_dep = select(Commune.epci_code).where(Commune.departement_code == code)
    region = select(Departement.region_code).where(Departement.code == code)
    return exists().where(
        FicheTerritory.fiche_id == Fiche.id,
        or_(
            and_(FicheTerritory.level == "departement", FicheTerritory.code == code),
            and_(FicheTerritory.level == "region", FicheTerritory.code.in_(region)),
            and_(FicheTerritory.level == "epci", FicheTerritory.code.in_(epcis_in_dep)),
            and_(FicheTerritory.level == "commune", FicheTerritory.code.in_(in_dep)),
        ),
    )


def apply_filters(query: Select, filters: dict) -> Select:
    """Narrow a fiche query by the shared filter parameters."""
    if filters.get("q"):
        words = filters["q"].lower().split()
        for word in words:
            pattern = f"%{word}%"
            query = query.where(
                or_(
                    func.lower(Fiche.name).like(pattern),
                    func.lower(Fiche.acronym).like(pattern),
                    func.lower(Fiche.summary).like(pattern),
                    func.lower(Fiche.type_code).like(pattern),
                )
            )
    if filters.get("type"):
        query = query.where(Fiche.type_code.in_(filters["type"]))
    if filters.get("departement"):
        query = query.where(_covers_departement(filters["departement"]))
    if filters.get("commune"):
        commune = db.session.get(Commune, filters["commune"])
        pairs = covering_codes(commune) if commune else [("commune", filters["commune"])]
        query = query.where(_territory_matches(pairs))
    if filters.get("public"):
        query = query.where(_has_value("publics", filters["public"]))
    if filters.get("qui_peut_saisir"):
        query = query.where(_has_value("qui-peut-saisir", filters["qui_peut_saisir"]))
    if filters.get("age") is not None:
        age = filters["age"]
        query = query.where(
            or_(Fiche.age_min.is_(None), Fiche.age_min <= age),
            or_(Fiche.age_max.is_(None), Fiche.age_max >= age),
        )
    if filters.get("notification_mdph"):
        query = query.where(
            Fiche.mdph_notification_required.is_(filters["notification_mdph"] == "oui")
        )
    return query


@per_content
def count_by_type() -> dict[str, int]:
    """Return type code → number of published fiches."""
    query = select(Fiche.type_code, func.count()).where(Fiche.status == Statut.PUBLIEE)
    return dict(db.session.execute(query.group_by(Fiche.type_code)).all())


@per_content
def count_in_departement(code: str) -> int:
    """Return how many published fiches cover all or part of a département."""
    query = apply_filters(visible_fiches(), {"departement": code})
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def paginate_fiches(filters: dict, page: int, per_page: int):
    """Return a page of visible fiches matching the filters, ordered by name."""
    query = apply_filters(visible_fiches(), filters).order_by(Fiche.name, Fiche.id)
    query = query.options(selectinload(Fiche.territories))
    return db.paginate(query, page=clamp_page(page), per_page=per_page, error_out=False)


def covering_fiches(commune: Commune) -> list[tuple[Fiche, str]]:
    """Return (fiche, finest matching level) for every visible fiche covering a commune."""
    pairs = covering_codes(commune)
    query = (
        select(Fiche, FicheTerritory.level)
        .join(FicheTerritory, FicheTerritory.fiche_id == Fiche.id)
        .where(Fiche.status == Statut.PUBLIEE)
        .where(
            or_(
                *(
                    and_(FicheTerritory.level == lvl, FicheTerritory.code == code)
                    for lvl, code in pairs
                )
            )
        )
    )
    best: dict[int, tuple[Fiche, str]] = {}
    for fiche, level in db.session.execute(query):
        known = best.get(fiche.id)
        if known is None or LEVEL_ORDER.index(level) < LEVEL_ORDER.index(known[1]):
            best[fiche.id] = (fiche, level)
    return list(best.values())


def group_by_type(matches: list[tuple[Fiche, str]]) -> list[dict]:
    """Group covering fiches by type: finest level then name inside a group; groups ordered by
    their best member, then référentiel order."""
    groups: dict[str, dict] = {}
    for fiche, level in matches:
        group = groups.setdefault(fiche.type_code, {"type": fiche.type, "items": []})
        group["items"].append((fiche, level))
    for group in groups.values():
        group["items"].sort(key=lambda item: (LEVEL_ORDER.index(item[1]), item[0].name.lower()))
        group["best"] = LEVEL_ORDER.index(group["items"][0][1])
    return sorted(groups.values(), key=lambda g: (g["best"], g["type"].position))


def related_fiches(fiche: Fiche) -> list[tuple[str, str, Fiche]]:
    """Return (kind, direction, other fiche) for every visible link, both ways."""
    query = select(FicheLink).where(or_(FicheLink.from_id == fiche.id, FicheLink.to_id == fiche.id))
    related = []
    for link in db.session.scalars(query):
        outgoing = link.from_id == fiche.id
        other = link.to_fiche if outgoing else link.from_fiche
        if other.status == Statut.PUBLIEE:
            related.append((link.kind.value, "out" if outgoing else "in", other))
    return related


def same_porteur_fiches(fiche: Fiche) -> list[Fiche]:
    """Return the other visible fiches of the same porteurs (derived, not stored)."""
    if not fiche.porteurs:
        return []
    ids = [o.id for o in fiche.porteurs]
    query = (
        visible_fiches()
        .where(Fiche.id != fiche.id)
        .where(
            exists().where(
                fiche_porteurs.c.fiche_id == Fiche.id, fiche_porteurs.c.organisation_id.in_(ids)
            )
        )
    )
    return db.session.scalars(query.order_by(Fiche.name)).all()
