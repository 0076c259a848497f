"""Honest provenance on a fiche: which facts come from a dated third-party list, and when the
fiche's facts date from when its service never confirmed them."""

from directory.fiches.models import Fiche, SourceLevel

CONTACT_FIELDS = {"telephone", "courriel", "adresse", "sites", "site_web", "horaires"}
SEPARATOR = " — "


def publisher(title: str) -> str:
    """Return the first part of a source's title: who published it (the seed writes titles as
    « Publisher — what »)."""
    return title.split(SEPARATOR, 1)[0].strip()


def _note(source, field: str) -> str:
    # The year is enough here: the sources list gives the exact date.
    what = "coordonnées" if field in CONTACT_FIELDS else "donnée"
    when = f" de {source.fact_date[:4]}" if source.fact_date else ""
    return f"{what}{when}, {publisher(source.title)} — à confirmer"


def field_notes(fiche: Fiche) -> dict[str, str]:
    """Return standard key → « coordonnées de 2015, Annuaire de l'administration — à confirmer »
    for the fields that a third-party list backs, until the service confirms the fiche."""
    if fiche.verified_on is not None:
        return {}
    notes: dict[str, str] = {}
    for source in fiche.sources:
        if source.level == SourceLevel.TIERS:
            for field in source.fields or []:
                notes.setdefault(field, _note(source, field))
    return notes


def facts_span(fiche: Fiche) -> str:
    """Return when the fiche's facts date from, in French, from its sources' dates."""
    years = sorted({int(s.fact_date[:4]) for s in fiche.sources if s.fact_date})
    if not years:
        return "sources non datées"
    if years[0] == years[-1]:
        return f"sources datées de {years[0]}"
    return f"sources datées de {years[0]} à {years[-1]}"


def site_phones(fiche: Fiche) -> list[tuple[str, str]]:
    """Return (site name, phone) of the sites that have a phone."""
    return [(s.name, s.phone) for s in fiche.sites if s.phone]
