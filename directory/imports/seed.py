"""The real seed: référentiels, organisations and fiches from the data files under seed/."""

from pathlib import Path

from sqlalchemy import select

from directory.extensions import db
from directory.fiches import referentiels
from directory.fiches.services import Actor
from directory.imports.standard import ImportReport, import_records, read_records
from directory.organisations.models import Organisation

SEED_DIR = referentiels.PROJECT_ROOT / "seed"
SEED_ACTOR = Actor(label="seed")
ORGANISATION_FIELDS = {
    "name": "nom",
    "website": "site_web",
    "siret": "siret",
    "finess": "finess",
    "description": "description",
}


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


def load_seed(directory: Path = SEED_DIR) -> ImportReport:
    """Load référentiels, organisations and fiches; a second run writes nothing."""
    referentiels.load_referentiels()
    load_organisations(directory / "organisations.json")
    return import_records(read_records(directory / "fiches.json"), SEED_ACTOR)
