"""Reference geography: loading the install-time build into the database, and look-ups."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from flask import Flask
from sqlalchemy import and_, case, delete, func, insert, or_, select
from unidecode import unidecode

from directory.core.cache import detached_copies, per_content
from directory.extensions import db
from directory.territoires.models import (
    Commune,
    CommunePostcode,
    Departement,
    Epci,
    FormerCommune,
    Region,
)

LEVELS = ("commune", "epci", "departement", "region")  # finest first
LEVEL_LABELS = {
    "commune": "Commune",
    "epci": "EPCI",
    "departement": "Département",
    "region": "Région",
}
GEOJSON_FILES = {
    "commune": "communes.geojson",
    "epci": "epcis.geojson",
    "departement": "departements.geojson",
    "region": "region.geojson",
}
MODELS = {"commune": Commune, "epci": Epci, "departement": Departement, "region": Region}


# --- Files ---------------------------------------------------------------------------------


def build_dir(app: Flask) -> Path:
    """Return the folder of the build (instance folder / TERRITOIRES_DIR)."""
    return Path(app.instance_path) / app.config["TERRITOIRES_DIR"]


def geojson_path(app: Flask, niveau: str) -> Path:
    """Return the GeoJSON file of a level's shapes."""
    if niveau not in GEOJSON_FILES:
        raise ValueError(f"Niveau inconnu : {niveau}")
    return build_dir(app) / "geo" / GEOJSON_FILES[niveau]


# --- Loading -------------------------------------------------------------------------------


def fold(text: str | None) -> str:
    """Lower-case, fold accents, turn punctuation into spaces and collapse whitespace."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", unidecode(text or "").lower()).split())


def _read(directory: Path, name: str):
    """Read one JSON file of the build."""
    path = Path(directory) / name
    if not path.is_file():
        raise FileNotFoundError(f"Fichier du référentiel introuvable : {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def _read_optional(directory: Path, name: str) -> list:
    """Read a file of the build that older builds did not write."""
    return _read(directory, name) if (Path(directory) / name).is_file() else []


def load_reference(directory: Path) -> dict:
    """Replace the geography tables with the build in `directory` (flushed, not committed)."""
    region = _read(directory, "region.json")
    departements = _read(directory, "departements.json")
    epcis = _read(directory, "epcis.json")
    communes = _read(directory, "communes.json")
    rows = {
        Region: [{"code": region["code"], "name": region["name"]}],
        Departement: [{**d, "search_name": fold(d["name"])} for d in departements],
        Epci: [{**e, "search_name": fold(e["name"])} for e in epcis],
        Commune: [{**c, "search_name": fold(c["name"])} for c in communes],
        CommunePostcode: [
            {"postcode": p, "commune_code": c["code"]} for c in communes for p in c["postcodes"]
        ],
        FormerCommune: [
            {**f, "search_name": fold(f["name"]) if f["name"] else None}
            for f in _read_optional(directory, "former-communes.json")
        ],
    }
    for model in reversed(rows):  # children first
        db.session.execute(delete(model).execution_options(synchronize_session=False))
    for model, model_rows in rows.items():
        if model_rows:
            db.session.execute(insert(model), model_rows)
    db.session.flush()
    db.session.expire_all()  # objects already in the session reload the new rows
    return {
        "regions": 1,
        "departements": len(departements),
        "epcis": len(epcis),
        "communes": len(communes),
        "commune_postcodes": len(rows[CommunePostcode]),
        "former_communes": len(rows[FormerCommune]),
    }


# --- Look-ups ------------------------------------------------------------------------------


def get_commune(code: str | None) -> Commune | None:
    """Return the commune of an INSEE code, a former commune's code included, or None."""
    code = (code or "").strip()
    if not code:
        return None
    commune = db.session.get(Commune, code)
    if commune is None and (former := db.session.get(FormerCommune, code)) is not None:
        commune = db.session.get(Commune, former.commune_code)
    return commune


def current_code(code: str | None) -> str | None:
    """Return the current INSEE code of a commune, following a former commune's code."""
    commune = get_commune(code)
    return commune.code if commune else None


def communes_by_code(codes: Iterable[str | None]) -> dict[str, Commune]:
    """Return the communes of some INSEE codes, by code (unknown and empty codes left out)."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    found = {c.code: c for c in db.session.scalars(select(Commune).where(Commune.code.in_(wanted)))}
    for former in db.session.scalars(
        select(FormerCommune).where(FormerCommune.code.in_(set(wanted) - set(found)))
    ):
        found[former.code] = db.session.get(Commune, former.commune_code)
    return found


def _digits_condition(digits: str):
    """Match an exact INSEE code or a postcode starting with the digits."""
    postcodes = select(CommunePostcode.commune_code).where(
        CommunePostcode.postcode.like(digits + "%")
    )
    return or_(Commune.code == digits, Commune.code.in_(postcodes))


def find_communes(text: str, limit: int = 20) -> list[Commune]:
    """Find communes by postcode (prefix), INSEE code and/or name (accents optional).

    Every number must match and the words must occur in the name, so a label such as
    "Saint-Dié-des-Vosges (88, 88413)" finds its commune. Order: exact INSEE code or postcode,
    exact name, name prefix, other matches; then population, largest first.
    """
    numbers = re.findall(r"\d+", text or "")
    words = fold(re.sub(r"\d+", " ", text or ""))
    if not numbers and not words:
        return []
    conditions = [_digits_condition(digits) for digits in numbers]
    if words:
        conditions.append(Commune.search_name.like(f"%{words}%"))
    exact_postcode = select(CommunePostcode.commune_code).where(
        CommunePostcode.postcode.in_(numbers or [""])
    )
    rank = case(
        (or_(Commune.code.in_(numbers or [""]), Commune.code.in_(exact_postcode)), 0),
        (Commune.search_name == words, 1),
        (Commune.search_name.like(f"{words}%"), 2),
        else_=3,
    )
    query = (
        select(Commune)
        .where(and_(*conditions))
        .order_by(rank, func.coalesce(Commune.population, 0).desc(), Commune.name, Commune.code)
        .limit(limit)
    )
    found = list(db.session.scalars(query))
    if not found and words and not numbers:  # a former commune's name: its commune today
        former = select(FormerCommune.commune_code).where(FormerCommune.search_name == words)
        found = list(db.session.scalars(select(Commune).where(Commune.code.in_(former))))
    return found


def covering_codes(commune: Commune) -> list[tuple[str, str]]:
    """Return the (level, code) pairs whose territory contains the commune, finest first."""
    pairs = [("commune", commune.code)]
    if commune.epci_code:
        pairs.append(("epci", commune.epci_code))
    pairs.append(("departement", commune.departement_code))
    pairs.append(("region", commune.region_code))
    return pairs


@per_content
def departements() -> list[Departement]:
    """Return the départements of the region, by code (read-only copies)."""
    return detached_copies(db.session.scalars(select(Departement).order_by(Departement.code)))


def _labels(niveau: str, codes: Iterable[str]) -> dict[str, str]:
    """Return the labels of known codes of one level, in one query."""
    model = MODELS[niveau]
    columns = [model.code, model.name]
    if niveau == "commune":
        columns.append(Commune.departement_code)
    rows = db.session.execute(select(*columns).where(model.code.in_(list(codes))))
    if niveau == "region":
        return {code: name for code, name in rows}
    if niveau == "commune":
        return {code: f"{name} ({dep}, {code})" for code, name, dep in rows}
    return {code: f"{name} ({code})" for code, name in rows}


def territory_labels(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Return French labels of (level, code) pairs, one query per level; the code if unknown."""
    pairs = list(pairs)
    codes: dict[str, set[str]] = defaultdict(set)
    for niveau, code in pairs:
        if niveau in MODELS:
            codes[niveau].add(code)
    known = {niveau: _labels(niveau, level_codes) for niveau, level_codes in codes.items()}
    return {(niveau, code): known.get(niveau, {}).get(code, code) for niveau, code in pairs}


def territory_label(niveau: str, code: str) -> str:
    """Return the French label of a territory, e.g. "Vosges (88)"; the code if unknown."""
    return territory_labels([(niveau, code)])[(niveau, code)]
