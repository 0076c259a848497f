"""Référentiels (controlled vocabularies) and completeness weights: data files under schemas/."""

import json
from functools import cache
from pathlib import Path

from sqlalchemy import select

from directory.core.cache import detached_copies, per_content
from directory.extensions import db
from directory.fiches.models import DispositifType, ReferentielValue

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
REFERENTIELS_DIR = SCHEMAS_DIR / "referentiels"
# Value référentiels, in the order the interface shows them.
VALUE_KINDS = {
    "publics": "Publics",
    "financeurs": "Financeurs",
    "qui-peut-saisir": "Qui peut saisir",
    "modes-intervention": "Modes d'intervention",
    "niveaux-de-recours": "Niveaux de recours",
    "situations": "Situations",
}
TYPE_FIELDS = {
    "acronym": "sigle",
    "name": "nom",
    "definition": "definition",
    "level": "niveau_territorial",
    "status": "statut",
    "successor_code": "successeur",
    "public": "public",
    "saisine": "saisine",
    "notification_mdph": "notification_mdph",
    "legal_basis": "base_legale",
    "official_codes": "codes_officiels",
    "sources": "sources",
    "reference_source": "source_de_reference",
    "synonyms": "synonymes",
}


def read_json(path: Path):
    """Read a UTF-8 JSON file."""
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def completeness_criteria() -> tuple[dict, ...]:
    """Return the completeness criteria and weights (schemas/completude.json)."""
    return tuple(read_json(SCHEMAS_DIR / "completude.json")["criteres"])


def _upsert(model, key: dict, values: dict) -> bool:
    row = db.session.get(model, tuple(key.values()) if len(key) > 1 else next(iter(key.values())))
    if row is None:
        db.session.add(model(**key, **values))
        return True
    changed = False
    for attr, value in values.items():
        if getattr(row, attr) != value:
            setattr(row, attr, value)
            changed = True
    return changed


def load_referentiels() -> dict:
    """Upsert every référentiel from its data file; return how many rows were written."""
    written = {"types": 0, "values": 0}
    types = read_json(REFERENTIELS_DIR / "types.json")["valeurs"]
    for position, item in enumerate(types):
        values = {attr: item.get(key) for attr, key in TYPE_FIELDS.items()}
        for attr in ("legal_basis", "sources", "synonyms"):
            values[attr] = values[attr] or []
        values["official_codes"] = values["official_codes"] or {}
        values["position"] = position
        written["types"] += _upsert(DispositifType, {"code": item["code"]}, values)
    for kind in VALUE_KINDS:
        for position, item in enumerate(read_json(REFERENTIELS_DIR / f"{kind}.json")["valeurs"]):
            values = {
                "label": item["libelle"],
                "definition": item.get("definition"),
                "position": position,
            }
            written["values"] += _upsert(
                ReferentielValue, {"kind": kind, "code": item["code"]}, values
            )
    db.session.flush()
    return written


@per_content
def types() -> list[DispositifType]:
    """Return every type of dispositif in référentiel order (read-only copies)."""
    query = select(DispositifType).order_by(DispositifType.position)
    return detached_copies(db.session.scalars(query).all())


def ordered_sources(type_: DispositifType) -> list[str]:
    """Return a type's sources, its reference source first."""
    first = [type_.reference_source] if type_.reference_source else []
    return first + [url for url in type_.sources or [] if url not in first]


@per_content
def values(kind: str) -> list[ReferentielValue]:
    """Return the values of one référentiel in order (read-only copies)."""
    query = select(ReferentielValue).where(ReferentielValue.kind == kind)
    return detached_copies(db.session.scalars(query.order_by(ReferentielValue.position)).all())


@per_content
def labels(kind: str) -> dict[str, str]:
    """Return code → French label for one référentiel."""
    return {v.code: v.label for v in values(kind)}
