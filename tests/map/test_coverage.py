"""Coverage of the territory by a type of dispositif, with the directory's white zones."""

import re

import pytest

from directory.map.render import SHADES, WHITE_ZONE, coverage_colour
from directory.territoires.services import departements
from tests.builders import page_text

NO_FICHE = "aucune fiche publiée dans l'annuaire"


def _rows(body: str) -> dict[str, str]:
    table = body.split('<table class="coverage-table">', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>([^<]+)</td>', table)
    return {code: figure for _name, code, figure in cells}


@pytest.mark.parametrize(
    ("asked", "covered"),
    [
        ("DAC", {"54", "88"}),  # DAC 54 and the DAC des Vosges
        ("dac", {"54", "88"}),
        ("CRA", {"08", "10", "51", "52", "54", "55", "57", "67", "68", "88"}),
    ],
)
def test_every_departement_has_its_figure(client, seeded, asked, covered):
    response = client.get(f"/carte/couverture?type={asked}")
    assert response.status_code == 200
    body = page_text(response)
    rows = _rows(body)
    assert set(rows) == {d.code for d in departements()}
    for code, figure in rows.items():
        if code in covered:
            assert figure.strip() != "0 — " + NO_FICHE and int(figure) >= 1
        else:
            assert figure == "0 — " + NO_FICHE
    assert NO_FICHE in body
    assert "leaflet.js" in body and "http://" not in body.split("<body", 1)[0]


def test_white_zones_are_labelled_on_the_map(client, seeded):
    body = page_text(client.get("/carte/couverture?type=DAC"))
    assert "aucune fiche publiée" in body  # the polygons' tooltip label
    assert WHITE_ZONE in body  # the white zones' fill and its legend


def test_without_a_type_the_page_asks_for_one(client):
    body = page_text(client.get("/carte/couverture"))
    assert "Type de dispositif" in body and "coverage-table" not in body


def test_unknown_type_is_refused(client):
    assert client.get("/carte/couverture?type=inconnu").status_code == 400


def test_colours():
    assert coverage_colour(0) == WHITE_ZONE
    assert coverage_colour(1) == SHADES[0]
    assert coverage_colour(99) == SHADES[-1]
    assert WHITE_ZONE not in SHADES


def test_fiche_page_maps_its_territory_and_address(client, seeded):
    body = page_text(client.get("/fiches/cra-lorraine"))
    assert "Carte du territoire d'intervention" in body
    assert "leaflet.js" in body
    for code in ("54", "55", "57", "88"):  # its départements' shapes, by code
        assert f'"code": "{code}"' in body
    assert '"code": "67"' not in body
    assert "L.circleMarker" in body  # its address (Laxou)
    assert re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?:)?//', body) == []


def test_fiche_without_territory_nor_place_has_no_map(client, seeded):
    body = page_text(client.get("/fiches/centre-raoul-clainchard"))
    assert "Carte du territoire d'intervention" not in body
