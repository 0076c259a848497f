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
    site = _site_of(current, row.commune)
    wanted = _differences(current if site is None else current["sites"][site], row.values)
    if site is not None and wanted:
        # The row describes one of the fiche's sites (the Strasbourg site of the Alsace MPH):
        # what differs is proposed on that site, never on the fiche's own contact.
        sites = [dict(s) for s in current["sites"]]
        sites[site].update(wanted)
        wanted = {"sites": sites}
    identifiers = _identifiers(current.get("identifiants") or {}, row)
    if identifiers:
        wanted["identifiants"] = identifiers
    return {
        key: value
        for key, value in wanted.items()
        if not already_proposed(fiche, key, value, row.source)
    }


def _differences(part: dict, values: dict) -> dict:
    """Return the contact and place values that differ from a part (the fiche or a site)."""
    wanted = {k: v for k, v in values.items() if k in CONTACT_KEYS and v}
    # A site has no website of its own: only the keys the part has are compared.
    wanted = {k: v for k, v in wanted.items() if k in part and _differs(k, part.get(k), v)}
    wanted.update(_position(part, values))
    return wanted


def _site_of(current: dict, commune: str | None) -> int | None:
    """Return the index of the site in the row's commune, unless the fiche's own address is."""
    if not commune or (current.get("adresse") or {}).get("commune") == commune:
        return None
    communes = [(s.get("adresse") or {}).get("commune") for s in current.get("sites") or []]
    return communes.index(commune) if communes.count(commune) == 1 else None


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
