"""A new draft fiche from a dataset row: only the row's facts, the type's national definition
as missions (« selon le cadre national »), the dataset as a dated third-party source."""

from directory import messages as m
from directory.fiches.models import DispositifType, Statut
from directory.imports.frame import frame_source
from directory.imports.rows import CONTACT_KEYS, DatasetRow
from directory.territoires.services import get_commune


def draft_record(row: DatasetRow, dtype: DispositifType) -> dict:
    """Return the standard's record of a new draft: the row's facts, the type's national
    definition as missions (« selon le cadre national »), the dataset as its source."""
    record = {
        "nom": row.draft_name[:255],
        "type": row.type_code,
        "statut": Statut.BROUILLON.value,
        "resume": _summary(row, dtype),
        "missions": dtype.definition,
        "cadre_national": ["missions"],
        "identifiants": {"finess": row.finess, "siret": row.siret},
        **{k: v for k, v in row.values.items() if v not in (None, "", {})},
    }
    dataset = {
        "titre": row.source.title,
        "url": row.source.url,
        "niveau": "tiers",
        "champs": [],
        "date": row.source.date,
    }
    record["sources"] = [dataset, frame_source(dtype, ["missions"])]
    dataset["champs"] = _given(record)
    return record


def _given(record: dict) -> list[str]:
    keys = ("nom", "type", "identifiants", *CONTACT_KEYS, "latitude", "longitude")
    return [k for k in keys if record.get(k) not in (None, "", {}, {"finess": None, "siret": None})]


def _summary(row: DatasetRow, dtype: DispositifType) -> str:
    when = m.DATASET_AS_OF.format(date=french_date(row.source.date)) if row.source.date else ""
    text = m.DATASET_DRAFT_SUMMARY.format(
        type=dtype.name, acronym=dtype.acronym, place=place(row.commune), facts=row.facts, when=when
    )
    return text[:280]


def place(code: str | None) -> str:
    """Return « à Metz (57) », or that the commune is unknown."""
    commune = get_commune(code)
    return f"à {commune.name} ({commune.departement_code})" if commune else m.DATASET_NO_COMMUNE


def french_date(iso: str | None) -> str:
    """Return 2026-05-12 as 12/05/2026 (a year or a month stays as it is)."""
    parts = (iso or "").split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else (iso or "")
