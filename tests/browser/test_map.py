"""The map in Chromium, offline: outlines and clustered markers render, a popup leads to a fiche."""

import re

import pytest

pytestmark = pytest.mark.browser


def test_map_offline_cluster_marker_popup_fiche(live_server, offline_page, artifacts):
    page = offline_page.page
    page.goto(live_server + "/carte")
    container = page.locator(".folium-map")
    page.wait_for_function(
        "() => { const m = document.querySelector('.folium-map');"
        " return m && m.dataset.markers && m.dataset.markers !== '0'; }"
    )
    assert container.get_attribute("data-markers") != "erreur"
    assert page.locator("path.leaflet-interactive").count() >= 10  # region + départements
    assert page.locator(".marker-cluster, .map-marker").count() > 0
    page.screenshot(path=str(artifacts / "carte.png"), full_page=True)

    cluster = page.locator(".marker-cluster").first
    cluster.wait_for()
    cluster.click()
    for _ in range(12):  # zoom in cluster by cluster until single markers show
        if page.locator(".map-marker").count() > 0:
            break
        page.wait_for_timeout(400)
        page.locator(".marker-cluster").first.click()
    marker = page.locator(".map-marker").first
    marker.wait_for()
    marker.click()
    link = page.locator(".leaflet-popup-content a.map-popup-link")
    link.wait_for()
    name = page.locator(".leaflet-popup-content strong").inner_text()
    page.screenshot(path=str(artifacts / "carte-popup.png"))
    link.click()
    page.wait_for_url(re.compile(r"/fiches/[^/]+$"))
    assert name in page.locator("h1").inner_text()
    assert offline_page.outside == []


def test_map_list_is_reachable_by_keyboard(live_server, offline_page):
    page = offline_page.page
    page.goto(live_server + "/carte")
    first = page.locator("article.card h3 a").first
    for _ in range(200):
        page.keyboard.press("Tab")
        if first.evaluate("node => node === document.activeElement"):
            break
    else:
        pytest.fail("La liste des fiches n'est pas atteignable au clavier.")
    assert offline_page.outside == []


def test_fiche_page_territory_map_offline(live_server, offline_page, artifacts):
    page = offline_page.page
    page.goto(live_server + "/fiches/cra-lorraine")
    page.locator(".map-frame-small path.leaflet-interactive").first.wait_for()
    assert page.locator(".map-frame-small path.leaflet-interactive").count() >= 5  # 4 + address
    page.locator(".map-frame-small").screenshot(path=str(artifacts / "carte-fiche.png"))
    assert offline_page.outside == []


def test_coverage_map_offline(live_server, offline_page, artifacts):
    page = offline_page.page
    page.goto(live_server + "/carte/couverture?type=DAC")
    page.locator("path.leaflet-interactive").first.wait_for()
    assert page.locator("path.leaflet-interactive").count() == 10
    assert "aucune fiche publiée dans l'annuaire" in page.locator("table").inner_text()
    page.screenshot(path=str(artifacts / "carte-couverture-dac.png"), full_page=True)
    assert offline_page.outside == []
