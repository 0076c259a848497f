"""Published fiche → search document, with PUBLIC fields only.

Never indexed: drafts and archived fiches, contacts (members-only or not), phones, e-mails.
Départements of a fiche (facet and filter): from its territory rows — a region covers all its
départements, an EPCI its départements, a commune its département; a fiche with no territory row
counts for the département of its address commune, if any, and is taken to cover that commune
(for the commune filter).
"""

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from directory.fiches.models import DispositifType, Fiche, ReferentielValue, Statut
from directory.territoires.models import Commune, Departement, Epci, Region

OPEN_MIN_AGE = 0
OPEN_MAX_AGE = 999
MDPH_VALUES = {True: "oui", False: "non", None: "inconnue"}


def _chunks(items: list, size: int = 900):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Lookups:
    """Labels and geography needed to describe fiches, loaded in a few queries."""

    def __init__(self, fiches: Iterable[Fiche], session: Session):
        fiches = list(fiches)
        self.labels: dict[str, dict[str, str]] = defaultdict(dict)
        for kind, code, label in session.execute(
            select(ReferentielValue.kind, ReferentielValue.code, ReferentielValue.label)
        ):
            self.labels[kind][code] = label
        self.types = {t.code: t for t in session.scalars(select(DispositifType))}
        self.regions = dict(session.execute(select(Region.code, Region.name)).all())
        self.departements = dict(session.execute(select(Departement.code, Departement.name)).all())
        self.region_departements: dict[str, list[str]] = defaultdict(list)
        for code, region in session.execute(select(Departement.code, Departement.region_code)):
            self.region_departements[region].append(code)
        commune_codes = {f.commune_code for f in fiches if f.commune_code}
        commune_codes |= {t.code for f in fiches for t in f.territories if t.level == "commune"}
        self.communes = {}
        for chunk in _chunks(sorted(commune_codes)):
            rows = session.execute(
                select(Commune.code, Commune.name, Commune.departement_code).where(
                    Commune.code.in_(chunk)
                )
            )
            self.communes.update({code: (name, dep) for code, name, dep in rows})
        epci_codes = sorted({t.code for f in fiches for t in f.territories if t.level == "epci"})
        self.epcis = {}
        for chunk in _chunks(epci_codes):
            rows = session.execute(
                select(Epci.code, Epci.name, Epci.departement_codes).where(Epci.code.in_(chunk))
            )
            self.epcis.update({code: (name, deps or []) for code, name, deps in rows})

    def territory(self, level: str, code: str) -> tuple[str, list[str]]:
        """Return the label of a territory and the départements it touches."""
        if level == "commune" and code in self.communes:
            name, dep = self.communes[code]
            return f"{name} {self.departements.get(dep, '')} {dep}", [dep]
        if level == "epci" and code in self.epcis:
            name, deps = self.epcis[code]
            return name, [d for d in deps if d in self.departements]
        if level == "departement":
            return f"{self.departements.get(code, '')} {code}", [code]
        if level == "region":
            return self.regions.get(code, ""), list(self.region_departements.get(code, []))
        return "", []


def type_text(type_: DispositifType | None) -> str:
    """Return the words that name a type: acronym, name and synonyms."""
    if type_ is None:
        return ""
    return " ".join([type_.acronym or "", type_.name or "", *(type_.synonyms or [])])


def fiche_document(fiche: Fiche, lookups: Lookups) -> dict:
    """Return the search document of a published fiche."""
    labels = lookups.labels
    type_ = lookups.types.get(fiche.type_code)
    territory_words, departements = [], set()
    coverage = [(t.level, t.code) for t in fiche.territories]
    for row in fiche.territories:
        label, deps = lookups.territory(row.level, row.code)
        territory_words.append(label)
        departements.update(deps)
    address = ""
    if fiche.commune_code in lookups.communes:
        address, dep = lookups.territory("commune", fiche.commune_code)[0], None
        dep = lookups.communes[fiche.commune_code][1]
        if not fiche.territories:
            departements.add(dep)
            coverage = [("commune", fiche.commune_code)]
    codes = defaultdict(list)
    for value in fiche.values:
        codes[value.kind].append(value.code)
    labels_text = "\n".join(
        labels[kind].get(c, "") for kind in ("publics", "situations") for c in codes[kind]
    )
    body = [
        fiche.missions or "",
        " ".join(fiche.services or []),
        labels_text,
        fiche.access_conditions or "",
        fiche.saisine_terms or "",
        " ".join(labels["qui-peut-saisir"].get(c, "") for c in codes["qui-peut-saisir"]),
        " ".join(territory_words),
        address,
        " ".join(o.name for o in fiche.porteurs),
    ]
    body_text = "\n".join(part for part in body if part)
    names = f"{fiche.name} {fiche.acronym or ''}"
    return {
        "id": f"fiche:{fiche.id}",
        "kind": "fiche",
        "slug": fiche.slug,
        "nom": fiche.name,
        "sigle": fiche.acronym or "",
        "type": fiche.type_code,
        "type_text": type_text(type_),
        "resume": fiche.summary or "",
        "body": body_text,
        # Unstemmed words for prefixes and typos: names, type, résumé and labels, not the long
        # texts (they would double the indexing time for little gain).
        "plain": f"{names}\n{type_text(type_)}\n{fiche.summary or ''}\n{labels_text}",
        "nom_plain": names,
        "departement": " ".join(sorted(departements)),
        "territoire": " ".join(f"{level}:{code}" for level, code in coverage),
        "public": " ".join(codes["publics"]),
        "qui_peut_saisir": " ".join(codes["qui-peut-saisir"]),
        "notification_mdph": MDPH_VALUES[fiche.mdph_notification_required],
        "age_min": fiche.age_min if fiche.age_min is not None else OPEN_MIN_AGE,
        "age_max": fiche.age_max if fiche.age_max is not None else OPEN_MAX_AGE,
    }


def type_document(type_: DispositifType) -> dict:
    """Return the search document of an entry of the type lexicon."""
    words = type_text(type_)
    return {
        "id": f"type:{type_.code}",
        "kind": "type",
        "slug": type_.code,
        "nom": type_.name,
        "sigle": type_.acronym or "",
        "type": type_.code,
        "type_text": words,
        "resume": type_.definition or "",
        "body": " ".join(filter(None, [type_.public, type_.saisine])),
        "plain": f"{words}\n{type_.definition or ''}\n{type_.public or ''}",
        "nom_plain": f"{type_.name} {type_.acronym or ''}",
    }


def published_fiches(ids: Iterable[int] | None = None):
    """Select published fiches with what their documents need, optionally among some ids."""
    query = Fiche.published().options(
        selectinload(Fiche.territories),
        selectinload(Fiche.values),
        selectinload(Fiche.porteurs),
    )
    if ids is not None:
        query = query.where(Fiche.id.in_(list(ids)))
    return query.order_by(Fiche.id)


def fiche_documents(ids: Iterable[int], session: Session) -> tuple[dict[int, dict], set[int]]:
    """Return documents of the published fiches among ids, and the ids to remove."""
    ids = set(ids)
    fiches = list(session.scalars(published_fiches(ids)))
    lookups = Lookups(fiches, session)
    documents = {f.id: fiche_document(f, lookups) for f in fiches}
    return documents, ids - set(documents)


def type_documents(codes: Iterable[str] | None, session: Session) -> list[dict]:
    """Return the documents of the lexicon entries (all, or some codes)."""
    query = select(DispositifType)
    if codes is not None:
        query = query.where(DispositifType.code.in_(list(codes)))
    return [type_document(t) for t in session.scalars(query)]


def all_documents(session: Session, batch: int = 2000):
    """Yield the documents of every published fiche and every type, batch by batch."""
    yield from type_documents(None, session)
    last = 0
    while True:
        fiches = list(session.scalars(published_fiches().where(Fiche.id > last).limit(batch)))
        if not fiches:
            return
        lookups = Lookups(fiches, session)
        for fiche in fiches:
            yield fiche_document(fiche, lookups)
        last = fiches[-1].id


def database_state(session: Session) -> dict:
    """Return what tells whether the index is current: published count and last change."""
    count = session.scalar(select(func.count(Fiche.id)).where(Fiche.status == Statut.PUBLIEE))
    # Every fiche's last change: archiving one and publishing another keeps the count.
    last = session.scalar(select(func.max(Fiche.updated_at)))
    types = session.scalar(select(func.count()).select_from(DispositifType))
    return {"fiches": count, "last_change": last.isoformat() if last else None, "types": types}
