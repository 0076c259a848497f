"""What the directory holds: published fiches by type and département, how many can be called,
written to and found on the map, and what their sources are worth (`flask seed stats`)."""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.fiches.models import Fiche, Statut
from directory.territoires.services import communes_by_code


@dataclass
class Holdings:
    total: int = 0
    by_type: Counter = field(default_factory=Counter)
    by_departement: Counter = field(default_factory=Counter)
    with_phone: int = 0
    with_email: int = 0
    with_address: int = 0
    on_map: int = 0
    by_level: Counter = field(default_factory=Counter)  # sources by level
    by_year: Counter = field(default_factory=Counter)  # dated sources by year of their facts

    def share(self, count: int) -> str:
        return f"{count} ({round(100 * count / self.total) if self.total else 0} %)"


def _departement(fiche: Fiche, communes: dict) -> str:
    codes = sorted({t.code for t in fiche.territories if t.level == "departement"})
    if codes:
        return "+".join(codes)
    if any(t.level == "region" for t in fiche.territories):
        return "région"
    place = communes.get(fiche.commune_code) or next(
        (communes.get(s.commune_code) for s in fiche.sites if s.commune_code), None
    )
    return place.departement_code if place else "non renseigné"


def holdings() -> Holdings:
    """Count what the published fiches hold."""
    fiches = db.session.scalars(
        select(Fiche)
        .where(Fiche.status == Statut.PUBLIEE)
        .options(
            selectinload(Fiche.territories),
            selectinload(Fiche.sites),
            selectinload(Fiche.sources),
        )
    ).all()
    communes = communes_by_code(
        [f.commune_code for f in fiches] + [s.commune_code for f in fiches for s in f.sites]
    )
    result = Holdings(total=len(fiches))
    for fiche in fiches:
        result.by_type[fiche.type.acronym] += 1
        result.by_departement[_departement(fiche, communes)] += 1
        result.with_phone += bool(fiche.phone or any(s.phone for s in fiche.sites))
        result.with_email += bool(fiche.email or any(s.email for s in fiche.sites))
        result.with_address += bool(
            fiche.address_line1 or any(s.address_line1 for s in fiche.sites)
        )
        result.on_map += bool(
            fiche.latitude is not None
            or fiche.commune_code in communes
            or any(s.latitude is not None or s.commune_code in communes for s in fiche.sites)
        )
        for source in fiche.sources:
            result.by_level[source.level.value] += 1
            result.by_year[source.fact_date[:4] if source.fact_date else "non datée"] += 1
    return result


def lines(h: Holdings) -> list[str]:
    """Return the holdings in French, for the command line."""
    out = [
        f"{h.total} fiche(s) publiée(s) ; téléphone : {h.share(h.with_phone)} ; "
        f"courriel : {h.share(h.with_email)} ; adresse : {h.share(h.with_address)} ; "
        f"sur la carte : {h.share(h.on_map)}.",
        "Par type : " + ", ".join(f"{k} {v}" for k, v in sorted(h.by_type.items())),
        "Par département (couvert, sinon lieu) : "
        + ", ".join(f"{k} {v}" for k, v in sorted(h.by_departement.items())),
        "Sources par niveau : " + ", ".join(f"{k} {v}" for k, v in sorted(h.by_level.items())),
        "Sources par date des faits : "
        + ", ".join(f"{k} {v}" for k, v in sorted(h.by_year.items())),
    ]
    return out
