"""Freshness and completeness of fiches: the facilitator's dashboard and reminders."""

import calendar
from collections import Counter, defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.fiches.models import Fiche, FicheHistory, Statut
from directory.territoires.models import Commune, Departement

SOON_DAYS = 30
STATES = ("a_jour", "bientot", "en_retard")
LABELS = {"a_jour": "À jour", "bientot": "Bientôt à vérifier", "en_retard": "En retard"}
COMPLETENESS = (("faible", 0, 50), ("moyenne", 50, 80), ("bonne", 80, 101))
COMPLETENESS_LABELS = {"faible": "Moins de 50 %", "moyenne": "50 à 79 %", "bonne": "80 % et plus"}
UNKNOWN = "?"


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_checked(fiche: Fiche) -> date:
    """Return when the fiche was last verified, or created if it never was."""
    return fiche.verified_on or fiche.created_at.date()


def due_date(fiche: Fiche) -> date:
    return add_months(last_checked(fiche), fiche.verification_months or 12)


def state(fiche: Fiche, today: date | None = None) -> str:
    """Return "a_jour", "bientot" (due within 30 days) or "en_retard"."""
    today = today or date.today()
    due = due_date(fiche)
    if due < today:
        return "en_retard"
    if due <= today + timedelta(days=SOON_DAYS):
        return "bientot"
    return "a_jour"


def completeness_band(fiche: Fiche) -> str:
    for band, low, high in COMPLETENESS:
        if low <= (fiche.completeness or 0) < high:
            return band
    return "bonne"


def tracked_fiches() -> list[Fiche]:
    """Return the fiches the facilitator follows: every fiche not archived."""
    query = (
        select(Fiche)
        .where(Fiche.status != Statut.ARCHIVEE)
        .options(selectinload(Fiche.territories))
        .order_by(Fiche.name)
    )
    return list(db.session.scalars(query))


def departement_of(fiche: Fiche, commune_deps: dict[str, str]) -> str:
    """Return the fiche's département: its address, else its one département-level territory."""
    if fiche.commune_code and fiche.commune_code in commune_deps:
        return commune_deps[fiche.commune_code]
    codes = {t.code for t in fiche.territories if t.level == "departement"}
    return codes.pop() if len(codes) == 1 else UNKNOWN


def _commune_departements(fiches: list[Fiche]) -> dict[str, str]:
    codes = {f.commune_code for f in fiches if f.commune_code}
    if not codes:
        return {}
    rows = db.session.execute(
        select(Commune.code, Commune.departement_code).where(Commune.code.in_(codes))
    )
    return dict(rows.all())


def departement_names() -> dict[str, str]:
    names = dict(db.session.execute(select(Departement.code, Departement.name)).all())
    names[UNKNOWN] = "Non renseigné"
    return names


def filter_fiches(fiches: list[Fiche], filters: dict, today: date | None = None) -> list[Fiche]:
    """Keep the fiches matching état, complétude, département and type filters."""
    deps = _commune_departements(fiches)
    kept = []
    for fiche in fiches:
        if filters.get("etat") and state(fiche, today) != filters["etat"]:
            continue
        if filters.get("completude") and completeness_band(fiche) != filters["completude"]:
            continue
        if filters.get("departement") and departement_of(fiche, deps) != filters["departement"]:
            continue
        if filters.get("type") and fiche.type_code != filters["type"]:
            continue
        kept.append(fiche)
    return kept


def dashboard(today: date | None = None) -> dict:
    """Count fiches by freshness and by completeness, per département and per type."""
    fiches = tracked_fiches()
    deps = _commune_departements(fiches)
    by_dep, by_type = defaultdict(Counter), defaultdict(Counter)
    totals = Counter()
    for fiche in fiches:
        keys = (state(fiche, today), completeness_band(fiche))
        for key in keys:
            totals[key] += 1
            by_dep[departement_of(fiche, deps)][key] += 1
            by_type[fiche.type_code][key] += 1
        by_dep[departement_of(fiche, deps)]["total"] += 1
        by_type[fiche.type_code]["total"] += 1
    return {
        "total": len(fiches),
        "totals": totals,
        "by_departement": dict(sorted(by_dep.items())),
        "by_type": dict(sorted(by_type.items())),
    }


def latest_changes(limit: int = 10) -> list:
    """Return the latest changes of fiches (one row per change): when, who, which fiche."""
    query = (
        select(
            func.max(FicheHistory.changed_at).label("at"),
            FicheHistory.actor_label,
            func.count().label("fields"),
            Fiche.name,
            Fiche.slug,
        )
        .join(Fiche, Fiche.id == FicheHistory.fiche_id)
        .group_by(FicheHistory.change_id, FicheHistory.actor_label, Fiche.name, Fiche.slug)
        .order_by(func.max(FicheHistory.changed_at).desc())
        .limit(limit)
    )
    return list(db.session.execute(query))
