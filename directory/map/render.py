"""Build the folium map of the fiches: a plain function, parameters in, HTML parts out.

folium 0.20 puts CDN assets on every map and plugin; they are all replaced here by the app's own
copies (XStatic packages), so the page works with no network beyond the app.
"""

import re
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

CENTER = (48.7, 5.6)  # Grand Est
ZOOM = 7
_META = re.compile(r"<meta\b[^>]*>", re.S)
# Inline <style> and <script> blocks: the CSP refuses them (their rules are in app.css; folium's
# L_NO_TOUCH/L_DISABLE_3D script only repeats Leaflet's defaults).
_INLINE_BLOCKS = re.compile(r"<style>.*?</style>|<script>.*?</script>", re.S)
MAX_ZOOM = 18  # markercluster needs it when there is no tile layer to give one
OUTLINE_STYLES = {
    "region": {"color": "#1d3557", "weight": 3, "fill": False},
    "departement": {"color": "#457b9d", "weight": 1.5, "fill": True, "fillOpacity": 0.04},
}


@dataclass
class Assets:
    """Local URLs of the JavaScript and CSS the map needs."""

    leaflet_js: str
    leaflet_css: str
    cluster_js: str
    cluster_css: list[str]
    app_js: str


@dataclass
class MapParts:
    """The rendered map, in the three places of a page it goes to."""

    header: str  # <link> and <script src> tags, for <head>
    html: str  # the map's <div>
    script: str  # the inline script that builds it


class FetchedClusters(JSCSSMixin, MacroElement):
    """Markers fetched from a GeoJSON URL in the browser and clustered (L.markerClusterGroup)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.markerClusterGroup({maxClusterRadius: 50});
        {{ this._parent.get_name() }}.addLayer({{ this.get_name() }});
        window.directoryMap.load(
            {{ this._parent.get_name() }}, {{ this.get_name() }}, {{ this.url|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(self, url: str, assets: Assets):
        super().__init__()
        self._name = "FetchedClusters"
        self.url = url
        self.default_js = [("markercluster", assets.cluster_js), ("directory_map", assets.app_js)]
        self.default_css = [(f"markercluster_{i}", u) for i, u in enumerate(assets.cluster_css)]


def _style(level: str):
    style = OUTLINE_STYLES[level]
    return lambda feature: style


def render_map(
    *,
    data_url: str,
    outlines: dict[str, dict],
    assets: Assets,
    tiles_url: str | None = None,
    tiles_attribution: str = "© OpenStreetMap",
) -> MapParts:
    """Return the map: outlines (level → GeoJSON), optional tiles, clustered markers of data_url."""
    fmap = folium.Map(
        location=CENTER,
        zoom_start=ZOOM,
        tiles=None,
        max_zoom=MAX_ZOOM,
        min_zoom=6,
        width="100%",
        height="100%",
        prefer_canvas=False,
    )
    # Only Leaflet itself: jQuery, Bootstrap, Font Awesome and awesome-markers serve folium's
    # Popup and Icon, which this map does not use.
    fmap.options["maxZoom"] = MAX_ZOOM
    fmap.default_js = [("leaflet", assets.leaflet_js)]  # FetchedClusters adds the app's script
    fmap.default_css = [("leaflet_css", assets.leaflet_css)]
    if tiles_url:
        folium.TileLayer(tiles=tiles_url, attr=tiles_attribution, max_zoom=MAX_ZOOM).add_to(fmap)
    for level in ("departement", "region"):
        if level in outlines:
            folium.GeoJson(
                outlines[level], name=level, style_function=_style(level), control=False
            ).add_to(fmap)
    FetchedClusters(data_url, assets).add_to(fmap)
    return _parts(fmap)


def _parts(fmap: folium.Map) -> MapParts:
    root = fmap.get_root()
    root.render()
    # folium writes a standalone page: drop its meta tags (the page has its own, and
    # `user-scalable=no` would forbid zooming the text) and its inline blocks.
    header = _INLINE_BLOCKS.sub("", _META.sub("", root.header.render()))
    return MapParts(header=header, html=root.html.render(), script=root.script.render())


WHITE_ZONE = "#f4a261"  # orange: distinct from the blues of covered territories
SHADES = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")  # 1, 2, 3, 4 or more fiches


def coverage_colour(count: int) -> str:
    """Return the fill colour of a territory covered by count fiches."""
    if count == 0:
        return WHITE_ZONE
    return SHADES[min(count, len(SHADES)) - 1]


def render_coverage(*, outline: dict, counts: dict[str, int], assets: Assets) -> MapParts:
    """Return the map of a level's territories (GeoJSON outline) filled by their counts."""
    fmap = folium.Map(location=CENTER, zoom_start=ZOOM, tiles=None, width="100%", height="100%")
    fmap.options["maxZoom"] = MAX_ZOOM
    # the app's script puts Leaflet's controls in French
    fmap.default_js = [("leaflet", assets.leaflet_js), ("directory_map", assets.app_js)]
    fmap.default_css = [("leaflet_css", assets.leaflet_css)]
    features = []
    for feature in outline.get("features", []):
        count = counts.get(feature["properties"]["code"], 0)
        label = (
            f"{count} fiche{'s' if count > 1 else ''}"
            if count
            else "aucune fiche publiée dans l'annuaire"
        )
        properties = dict(feature["properties"], count=count, libelle=label)
        features.append(dict(feature, properties=properties))
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda f: {
            "color": "#1d3557",
            "weight": 1.5,
            "fillColor": coverage_colour(f["properties"]["count"]),
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(fields=["name", "libelle"], labels=False),
        control=False,
    ).add_to(fmap)
    return _parts(fmap)


def render_territory(
    *, shapes: list[dict], points: list[tuple[float, float, str]], assets: Assets
) -> MapParts:
    """Return a small map of a fiche: its covered polygons (GeoJSON features), fitted, and its
    address and other sites (lat, lon, label) as circles."""
    fmap = folium.Map(location=CENTER, zoom_start=ZOOM, tiles=None, width="100%", height="100%")
    fmap.options["maxZoom"] = MAX_ZOOM
    # the app's script puts Leaflet's controls in French
    fmap.default_js = [("leaflet", assets.leaflet_js), ("directory_map", assets.app_js)]
    fmap.default_css = [("leaflet_css", assets.leaflet_css)]
    if shapes:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": shapes},
            style_function=lambda f: {"color": "#1d3557", "weight": 1.5, "fillOpacity": 0.25},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
            control=False,
        ).add_to(fmap)
        fmap.fit_bounds(_bounds(shapes))
    for lat, lon, label in points:
        folium.CircleMarker(
            (lat, lon), radius=7, color="#d62728", fill=True, fill_opacity=0.9, tooltip=label
        ).add_to(fmap)
    if points and not shapes:
        if len(points) == 1:
            fmap.location = list(points[0][:2])
            fmap.options["zoom"] = 12
        else:
            lats, lons = [p[0] for p in points], [p[1] for p in points]
            fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])
    return _parts(fmap)


def _bounds(shapes: list[dict]) -> list[list[float]]:
    """Return [[south, west], [north, east]] of GeoJSON polygons."""
    lons, lats = [], []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            lons.append(coords[0])
            lats.append(coords[1])
        else:
            for item in coords:
                walk(item)

    for shape in shapes:
        walk(shape["geometry"]["coordinates"])
    return [[min(lats), min(lons)], [max(lats), max(lons)]]
