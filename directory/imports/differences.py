"""What a dataset row says differently from a fiche: the field-level proposals to make.

Differences of form are not proposed: a phone number written otherwise, an address that differs
only in case, accents or punctuation, http://www. against https://, a position less than 50 m
away. Names are never proposed (FINESS writes them in capitals).
"""

import math
import re

from directory.fiches.editing import record_of
from directory.fiches.models import Fiche
from directory.fiches.services import fiche_to_data
from directory.imports.annuaire import national_phone
from directory.imports.proposals import already_proposed
from directory.imports.rows import CONTACT_KEYS, DatasetRow
from directory.territoires.services import fold

NEAR_METRES = 50  # a position closer than this to the fiche's is not worth a proposal


def proposed_changes(fiche: Fiche, row: DatasetRow) -> dict:
    """Return standard key → value for what the row says differently from the fiche, leaving
    out what was already proposed (open or rejected) and the dataset's names."""
    current = record_of(fiche_to_data(fiche))
    wanted = {k: v for k, v in row.values.items() if k in CONTACT_KEYS and v}
    wanted = {k: v for k, v in wanted.items() if _differs(k, current.get(k), v)}
    wanted.update(_position(current, row.values))
    identifiers = _identifiers(current.get("identifiants") or {}, row)
    if identifiers:
        wanted["identifiants"] = identifiers
    return {
        key: value
        for key, value in wanted.items()
        if not already_proposed(fiche, key, value, row.source)
    }


def _digits(text) -> str:
    return "".join(c for c in str(text or "") if c.isdigit())


def _differs(key: str, current, proposed) -> bool:
    if current in (None, "", {}):
        return True
    if key == "telephone":
        return _digits(national_phone(current)) != _digits(national_phone(proposed))
    if key == "adresse":
        return any(
            fold(current.get(part)) != fold(proposed.get(part))
            for part in ("ligne1", "code_postal", "commune")
        )
    if key == "site_web":  # http://www.x.fr/ is the same site as https://x.fr
        return _site(current) != _site(proposed)
    return fold(current) != fold(proposed)


def _site(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url.strip().lower()).rstrip("/")


def _position(current: dict, values: dict) -> dict:
    lat, lon = values.get("latitude"), values.get("longitude")
    if lat is None or lon is None:
        return {}
    here = current.get("latitude"), current.get("longitude")
    if None not in here and metres(here, (lat, lon)) < NEAR_METRES:
        return {}
    return {"latitude": lat, "longitude": lon}


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the distance between two (latitude, longitude) points (equirectangular)."""
    mean = math.radians((a[0] + b[0]) / 2)
    dy = math.radians(b[0] - a[0])
    dx = math.radians(b[1] - a[1]) * math.cos(mean)
    return 6_371_000 * math.hypot(dx, dy)


def _identifiers(current: dict, row: DatasetRow) -> dict | None:
    """Return the identifiers with the row's FINESS / SIRET added where the fiche has none."""
    added = {k: v for k, v in (("finess", row.finess), ("siret", row.siret)) if v}
    added = {k: v for k, v in added.items() if not current.get(k)}
    if not added:
        return None
    return {"finess": None, "siret": None, "ror": None, **current, **added}
