"""The real seed: référentiels, organisations and fiches from the data files under seed/.

Three files: `organisations.json` (porteurs, financeurs, networks), `fiches.json` (fiches written
from public pages, in the standard) and `annuaire-dila-2015-grand-est.json` (records of the
Annuaire de l'administration: they fill the MDPH fiches' empty contacts and become the CLIC and
plateformes de répit fiches). The seed writes what it says, once: a second run writes nothing,
and a fiche changed since in the directory (by its service, an admin, a proposal) is left as is.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from directory import messages as m
from directory.extensions import db
from directory.fiches import referentiels
from directory.fiches.models import DispositifType, Fiche, FicheHistory
from directory.fiches.services import Actor
from directory.imports import annuaire
from directory.imports.frame import with_frame_source
from directory.imports.standard import ImportRefused, ImportReport, import_records
from directory.organisations.models import Organisation
from directory.territoires.services import communes_by_code

SEED_DIR = referentiels.PROJECT_ROOT / "seed"
SEED_LABEL = "seed"
SEED_ACTOR = Actor(label=SEED_LABEL)
ANNUAIRE_FILE = "annuaire-dila-2015-grand-est.json"
ORGANISATION_FIELDS = {
    "name": "nom",
    "website": "site_web",
    "siret": "siret",
    "finess": "finess",
    "description": "description",
}
# The contact fields a record of the Annuaire fills on an existing fiche, where empty.
FILLED = ("telephone", "courriel", "adresse")


@dataclass
class SeedReport(ImportReport):
    """What the seed did, and why some fiches are not published or were left as they are."""

    kept: list[tuple[str, str]] = field(default_factory=list)  # (slug, who changed it)
    not_published: list[tuple[str, str, str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {**super().counts(), "kept": len(self.kept), "hidden": len(self.not_published)}

    def lines(self) -> list[str]:
        """Return the report in French, one line per unpublished or kept fiche."""
        lines = [m.SEED_LOADED.format(**self.counts())]
        lines += [
            m.SEED_NOT_PUBLISHED.format(name=name, statut=m.STATUS_LABELS[statut], reason=reason)
            for _, name, statut, reason in self.not_published
        ]
        lines += [m.SEED_KEPT.format(slug=slug, actor=actor) for slug, actor in self.kept]
        return lines


def load_organisations(path: Path) -> int:
    """Upsert the organisations of the seed by slug; return how many rows were written."""
    written = 0
    for item in referentiels.read_json(path)["organisations"]:
        values = {attr: item.get(key) or None for attr, key in ORGANISATION_FIELDS.items()}
        org = db.session.scalar(select(Organisation).where(Organisation.slug == item["slug"]))
        if org is None:
            db.session.add(Organisation(slug=item["slug"], **values))
            written += 1
            continue
        changed = {a: v for a, v in values.items() if getattr(org, a) != v}
        for attr, value in changed.items():
            setattr(org, attr, value)
        written += bool(changed)
    db.session.flush()
    return written


def _types() -> dict[str, DispositifType]:
    return {t.code: t for t in referentiels.types()}


def fill_from_annuaire(record: dict, entry: annuaire.AnnuaireEntry, site: str | None) -> dict:
    """Fill a fiche's empty phone, e-mail and address (and position) from a dated record of the
    Annuaire, or add the record as one of its sites; cite the record for what it gave."""
    record = dict(record)
    given = annuaire.contact_fields(entry)
    if site:
        record["sites"] = [*record.get("sites", []), _site(entry, site)]
        backed = ["sites"]
    else:
        backed = [key for key in FILLED if key in given and not _filled(record, key)]
        same_place = (record.get("adresse") or {}).get("commune") in (None, entry.commune)
        for key in backed:
            record[key] = given[key]
        if same_place and record.get("latitude") is None and "latitude" in given:
            record["latitude"], record["longitude"] = given["latitude"], given["longitude"]
            backed += ["latitude", "longitude"]
    if backed:
        record["sources"] = [*record.get("sources", []), annuaire.source(entry, backed)]
    return record


def _filled(record: dict, key: str) -> bool:
    value = record.get(key)
    if key == "adresse":  # a commune alone places the fiche; it is not an address
        return bool((value or {}).get("ligne1"))
    return value not in (None, "", [], {})


def _site(entry: annuaire.AnnuaireEntry, name: str) -> dict:
    return {
        "nom": name,
        "adresse": entry.address,
        "latitude": entry.latitude,
        "longitude": entry.longitude,
        "telephone": entry.phone,
        "courriel": entry.email,
    }


def annuaire_fiches(path: Path, curated: dict[str, dict]) -> list[dict]:
    """Apply the Annuaire's MDPH records to the curated fiches (in place) and return the new
    fiches of its CLIC and plateformes de répit, published and dated."""
    content = referentiels.read_json(path)
    mdph = content["correspondance_mdph"]
    entries = [e for e in map(annuaire.parse, content["services"]) if e is not None]
    communes = communes_by_code(e.commune for e in entries)
    for entry in entries:
        if entry.commune in communes:
            entry.address["commune"] = communes[entry.commune].code
    types, created = _types(), []
    for entry in entries:
        if entry.type_code == "mdph":
            target = mdph[entry.ref]
            slug = target["fiche"]
            curated[slug] = fill_from_annuaire(curated[slug], entry, target.get("site"))
        else:
            commune = communes[entry.commune]
            created.append(annuaire.fiche_record(entry, types[entry.type_code], commune, "publiee"))
    return created


def seed_records(directory: Path) -> tuple[list[dict], dict[str, str]]:
    """Return every fiche the seed writes, and the reason why each unpublished one is not."""
    content = referentiels.read_json(directory / "fiches.json")
    curated = {record["slug"]: record for record in content["fiches"]}
    records = list(curated.values())
    if (directory / ANNUAIRE_FILE).exists():
        created = annuaire_fiches(directory / ANNUAIRE_FILE, curated)
        records = list(curated.values()) + created
    types = _types()
    records = [
        with_frame_source(r, types[r["type"]]) if r.get("type") in types else r for r in records
    ]
    return records, content.get("non_publiees", {})


def _changed_by_others(slugs: list[str]) -> dict[str, str]:
    """Return slug → who last changed it, for the fiches last changed by anyone but the seed."""
    latest = (
        select(Fiche.slug, FicheHistory.actor_label)
        .join(FicheHistory, FicheHistory.fiche_id == Fiche.id)
        .where(Fiche.slug.in_(slugs))
        .order_by(FicheHistory.id)
    )
    last = {slug: actor for slug, actor in db.session.execute(latest)}
    return {slug: actor for slug, actor in last.items() if actor != SEED_LABEL}


def load_seed(directory: Path = SEED_DIR) -> SeedReport:
    """Load référentiels, organisations and fiches; a second run writes nothing."""
    referentiels.load_referentiels()
    load_organisations(directory / "organisations.json")
    records, reasons = seed_records(directory)
    missing = [
        r["slug"] for r in records if r.get("statut") != "publiee" and r["slug"] not in reasons
    ]
    if missing:
        raise ImportRefused([m.SEED_REASON_MISSING.format(slug=slug) for slug in missing])
    kept = _changed_by_others([r["slug"] for r in records])
    written = import_records([r for r in records if r["slug"] not in kept], SEED_ACTOR)
    report = SeedReport(**vars(written))
    report.kept = sorted(kept.items())
    report.not_published = [
        (r["slug"], r["nom"], r["statut"], reasons[r["slug"]])
        for r in records
        if r.get("statut") != "publiee"
    ]
    return report
