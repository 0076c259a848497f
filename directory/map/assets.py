"""The map's local assets and reference shapes, and the small map of a fiche's territory."""

import json
from functools import cache
from pathlib import Path

from flask import current_app, url_for
from xstatic.pkg import leaflet, leaflet_markercluster

from directory.core.cache import per_content
from directory.fiches.models import Fiche
from directory.map import services
from directory.map.render import Assets, MapParts, render_territory
from directory.territoires.services import geojson_path

VENDOR = {"leaflet": leaflet.BASE_DIR, "markercluster": leaflet_markercluster.BASE_DIR}


@cache
def _read(path: Path, mtime: float) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def read_geojson(path: Path) -> dict:
    """Return a GeoJSON file of the reference geography, parsed once per version of the file."""
    return _read(path, path.stat().st_mtime)


@cache
def _by_code(path: Path, mtime: float) -> dict[str, dict]:
    return {f["properties"]["code"]: f for f in _read(path, mtime)["features"]}


def read_shapes(path: Path) -> dict[str, dict]:
    """Return the features of a GeoJSON file of the reference geography by territory code."""
    return _by_code(path, path.stat().st_mtime)


def outlines(levels=("region", "departement")) -> dict[str, dict]:
    """Return level → GeoJSON of the reference outlines that are installed."""
    found = {}
    for level in levels:
        path = geojson_path(current_app, level)
        if path.is_file():
            found[level] = read_geojson(path)
    return found


def local_assets() -> Assets:
    """Return the app's own URLs of Leaflet, markercluster and the map's script."""
    return Assets(
        leaflet_js=url_for("map.vendor", package="leaflet", filename="leaflet.js"),
        leaflet_css=url_for("map.vendor", package="leaflet", filename="leaflet.css"),
        cluster_js=url_for(
            "map.vendor", package="markercluster", filename="leaflet.markercluster.js"
        ),
        cluster_css=[
            url_for("map.vendor", package="markercluster", filename="MarkerCluster.css"),
            url_for("map.vendor", package="markercluster", filename="MarkerCluster.Default.css"),
        ],
        app_js=url_for("map.static", filename="map.js"),
    )


def fiche_map(fiche: Fiche, commune) -> MapParts | None:
    """Return the small map of a fiche's territory, address and sites, or None with none."""
    territory = tuple(sorted((t.level, t.code) for t in fiche.territories))
    points = tuple(services.fiche_points(fiche, commune))
    return _territory_map(territory, points) or None


@per_content
def _territory_map(territory: tuple, points: tuple) -> MapParts | bool:
    # Many fiches cover the same territory: folium renders each (territory, points) once.
    wanted: dict[str, set[str]] = {}
    for level, code in territory:
        wanted.setdefault(level, set()).add(code)
    shapes = services.territory_shapes(current_app, wanted, read_shapes)
    if not shapes and not points:
        return False  # no map (False, not None: remembered too)
    return render_territory(shapes=shapes, points=list(points), assets=local_assets())
