"""The « cadre national » of a fiche: texts taken from its type's national definition, and the
source that backs them — the type's reference source first (a public body, the national
network, an official text), else its legal basis, else the référentiel itself."""

from directory.fiches.models import DispositifType

TITLE_PREFIX = "Cadre national du type"


def frame_source(type_: DispositifType, fields: list[str]) -> dict:
    """Return the standard's source backing the fields taken from the type's definition."""
    if type_.reference_source:
        return {
            "titre": f"{TITLE_PREFIX} {type_.acronym} — source de référence",
            "url": type_.reference_source,
            "niveau": "verifie",
            "champs": list(fields),
            "date": None,
        }
    if type_.legal_basis:
        return {
            "titre": f"{TITLE_PREFIX} {type_.acronym} — {type_.legal_basis[0]}",
            "url": None,
            "niveau": "loi",
            "champs": list(fields),
            "date": None,
        }
    return {
        "titre": f"{TITLE_PREFIX} {type_.acronym} — définition du référentiel des types",
        "url": None,
        "niveau": "tiers",
        "champs": list(fields),
        "date": None,
    }


def with_frame_source(record: dict, type_: DispositifType) -> dict:
    """Return the record with one up-to-date frame source for its `cadre_national` fields."""
    own = [s for s in record.get("sources") or [] if not s["titre"].startswith(TITLE_PREFIX)]
    fields = record.get("cadre_national") or []
    frame = [frame_source(type_, fields)] if fields else []
    return {**record, "sources": own + frame}
