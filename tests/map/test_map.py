"""The public map: /carte, its GeoJSON data, local assets only, the plain render function."""

import gzip
import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from directory.core import cache
from directory.extensions import db
from directory.fiches import referentiels
from directory.map.render import Assets, render_map
from tests.builders import add_contact, make_fiche, page_text

STRASBOURG = "67482"
TROYES = "10387"


def _geojson(client, query: str = "") -> dict:
    response = client.get(f"/carte/fiches.geojson{query}", headers={"Accept-Encoding": ""})
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    return json.loads(page_text(response))


def _names(collection: dict) -> set[str]:
    return {f["properties"]["nom"] for f in collection["features"]}


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def test_map_page_is_french_and_lists_the_results(client):
    make_fiche(name="Plateforme de Strasbourg", commune_code=STRASBOURG)
    make_fiche(name="Brouillon caché", status="brouillon", commune_code=STRASBOURG)
    body = page_text(client.get("/carte"))
    assert '<html lang="fr"' in body
    assert "Carte des dispositifs" in body
    assert "Légende" in body
    assert "Plateforme de Strasbourg" in body
    assert "Brouillon caché" not in body
    assert '/carte/fiches.geojson"' in body or "/carte/fiches.geojson" in body


def test_geojson_holds_published_fiches_only_with_their_properties(client):
    first = referentiels.types()[0]
    make_fiche(name="Publiée", acronym="PUB", commune_code=STRASBOURG)
    make_fiche(name="Brouillon", status="brouillon", commune_code=STRASBOURG)
    make_fiche(name="Archivée", status="archivee", commune_code=STRASBOURG)
    collection = _geojson(client)
    assert collection["type"] == "FeatureCollection"
    assert _names(collection) == {"Publiée"}
    feature = collection["features"][0]
    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert 7.6 < lon < 7.9 and 48.5 < lat < 48.7  # Strasbourg's centre
    props = feature["properties"]
    assert props["sigle"] == "PUB"
    assert props["type"] == first.acronym
    assert props["commune"] == "Strasbourg (67)"
    assert props["url"].endswith("/fiches/" + props["url"].rsplit("/", 1)[1])
    assert set(props) == {"nom", "sigle", "type", "commune", "url", "couleur", "symbole"}


def test_geojson_prefers_the_fiche_coordinates(client):
    make_fiche(name="Placée", commune_code=STRASBOURG, latitude=48.0, longitude=7.0)
    (feature,) = _geojson(client)["features"]
    assert feature["geometry"]["coordinates"] == [7.0, 48.0]


def test_geojson_has_no_members_only_data(client):
    fiche = make_fiche(name="Avec contact", commune_code=STRASBOURG)
    add_contact(fiche, "Madame Secrète", email="secret@example.org")
    body = json.dumps(_geojson(client))
    assert "Avec contact" in body
    assert "Secrète" not in body and "secret@example.org" not in body


def test_filters_by_type_and_departement(client):
    first, second = referentiels.types()[:2]
    make_fiche(name="Type un à Strasbourg", type_code=first.code, commune_code=STRASBOURG)
    make_fiche(name="Type deux à Troyes", type_code=second.code, commune_code=TROYES)
    make_fiche(name="Type deux à Strasbourg", type_code=second.code, commune_code=STRASBOURG)
    assert _names(_geojson(client, f"?type={second.code}")) == {
        "Type deux à Troyes",
        "Type deux à Strasbourg",
    }
    # département: the fiche's territory, as on the list page (none here: no fiche covers 10)
    assert _names(_geojson(client, "?departement=10")) == set()
    body = page_text(client.get(f"/carte?type={first.code}"))
    assert "Type un à Strasbourg" in body and "Type deux à Troyes" not in body


def test_free_text_goes_through_the_search_index(client, fresh_search_index):
    make_fiche(name="Plateforme autisme Strasbourg", commune_code=STRASBOURG)
    make_fiche(name="Équipe mobile Troyes", commune_code=TROYES)
    db.session.commit()
    assert _names(_geojson(client, "?q=autisme")) == {"Plateforme autisme Strasbourg"}
    body = page_text(client.get("/carte?q=autisme"))
    assert "Plateforme autisme Strasbourg" in body and "Équipe mobile Troyes" not in body


def test_invalid_filters_are_refused(client):
    response = client.get("/carte/fiches.geojson?departement=99x")
    assert response.status_code == 400
    assert json.loads(page_text(response))["error"]
    assert client.get("/carte?departement=99x").status_code == 400


def test_fiche_without_place_is_listed_beside_the_map(client):
    make_fiche(name="Sans adresse")
    assert _geojson(client)["features"] == []
    body = page_text(client.get("/carte"))
    assert "Fiches sans lieu" in body and "Sans adresse" in body


def test_geojson_is_gzipped_when_accepted(client):
    for n in range(20):
        make_fiche(name=f"Fiche compressée {n}", commune_code=STRASBOURG)
    response = client.get("/carte/fiches.geojson", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    collection = json.loads(gzip.decompress(response.get_data()))
    response.close()
    assert len(collection["features"]) == 20
    plain = client.get("/carte/fiches.geojson", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert len(json.loads(page_text(plain))["features"]) == 20


def test_every_asset_of_the_map_page_is_the_apps(client):
    parser = _Assets()
    parser.feed(page_text(client.get("/carte")))
    assert any("leaflet.js" in url for url in parser.urls)
    assert any("leaflet.markercluster.js" in url for url in parser.urls)
    for url in parser.urls:
        parts = urlsplit(url)
        assert parts.scheme == "" and parts.netloc == "", url
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_unknown_vendor_package_is_404(client):
    assert client.get("/carte/vendor/jquery/jquery.js").status_code == 404


def test_render_map_needs_no_request():
    assets = Assets("/l.js", "/l.css", "/c.js", ["/c.css"], "/app.js")
    outline = {"type": "FeatureCollection", "features": []}
    parts = render_map(data_url="/data.geojson", outlines={"region": outline}, assets=assets)
    assert re.findall(r'(?:src|href)="([^"]+)"', parts.header) == [
        "/l.js",
        "/l.css",
        "/c.js",
        "/app.js",
        "/c.css",
    ]
    assert "http" not in parts.header
    assert '"maxZoom": 18' in parts.script
    assert "L.tileLayer" not in parts.script
    assert "/data.geojson" in parts.script
    with_tiles = render_map(
        data_url="/d", outlines={}, assets=assets, tiles_url="https://tiles.example/{z}/{x}/{y}.png"
    )
    assert "L.tileLayer" in with_tiles.script


def test_tile_layer_only_when_configured(app, client):
    assert "L.tileLayer" not in page_text(client.get("/carte"))
    app.config["MAP_TILES_URL"] = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    cache.clear(app)  # the page kept under the old configuration
    try:
        body = page_text(client.get("/carte"))
    finally:
        app.config["MAP_TILES_URL"] = None
        cache.clear(app)
    assert "L.tileLayer" in body and "tile.openstreetmap.org" in body


def test_free_text_without_match_shows_nothing(client, fresh_search_index):
    make_fiche(name="Plateforme autisme Strasbourg", commune_code=STRASBOURG)
    db.session.commit()
    assert _geojson(client, "?q=zzyzxqwv")["features"] == []
    assert "Aucune fiche publiée ne correspond" in page_text(client.get("/carte?q=zzyzxqwv"))
