"""Every kind of page under the real Content-Security-Policy (no 'unsafe-inline'), in Chromium:
nothing refused (the `offline_page` fixture fails on any violation), maps drawn, legends
coloured, the print button working."""

import pytest

from tests.browser.conftest import LIVE_APP, sign_in

pytestmark = pytest.mark.browser

ADMIN_EMAIL, ADMIN_PASSWORD = "securite@exemple.fr", "mot-de-passe-securite"
PUBLIC_PAGES = [
    "/",
    "/fiches",
    "/fiches?page=99999999999999999999999",  # the French 400 page
    "/fiches/mdph-moselle",
    "/types",
    "/types/dac",
    "/referentiels",
    "/qui-intervient?q=saint-die-des-vosges",
    "/recherche?q=autisme",
    "/sources-et-licences",
    "/connexion",
    "/mot-de-passe/oublie",
    "/page-qui-n-existe-pas",
]
ADMIN_PAGES = [
    "/admin/",
    "/admin/fiches",
    "/admin/invitations",
    "/admin/utilisateurs",
    "/admin/journal",
    "/admin/courriels",
    "/mes-fiches",
    "/mon-compte",
    "/fiches/nouvelle",
    "/fiches/cra-lorraine/modifier",
    "/fiches/cra-lorraine/historique",
]


def _csp(response) -> str:
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    return policy


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_render_under_the_policy(live_server, offline_page, path):
    page = offline_page.page
    # networkidle: the favicon is fetched too, not cut off by the next test's navigation
    response = page.goto(live_server + path, wait_until="networkidle")
    assert response.status < 500
    assert "'nonce-" in _csp(response)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert page.locator("h1").count() == 1


def test_the_map_draws_its_markers_and_coloured_legend(live_server, offline_page):
    page = offline_page.page
    _csp(page.goto(live_server + "/carte"))
    page.wait_for_function(
        "() => { const m = document.querySelector('.folium-map');"
        " return m && m.dataset.markers && m.dataset.markers !== '0'; }"
    )
    assert page.locator(".folium-map").get_attribute("data-markers") != "erreur"
    assert page.locator("path.leaflet-interactive").count() >= 10
    legend = page.eval_on_selector(
        ".map-legend .map-marker-symbol", "e => getComputedStyle(e).backgroundColor"
    )
    assert legend not in ("rgba(0, 0, 0, 0)", "transparent")
    page.locator(".marker-cluster").first.click()
    for _ in range(12):
        if page.locator(".map-marker .map-marker-symbol").count():
            break
        page.wait_for_timeout(400)
        page.locator(".marker-cluster").first.click()
    marker = page.eval_on_selector(
        ".map-marker .map-marker-symbol", "e => getComputedStyle(e).backgroundColor"
    )
    assert marker not in ("rgba(0, 0, 0, 0)", "transparent")


def test_the_coverage_map_and_its_legend(live_server, offline_page):
    page = offline_page.page
    _csp(page.goto(live_server + "/carte/couverture?type=dac"))
    page.locator("path.leaflet-interactive").first.wait_for()
    shade = page.eval_on_selector(".map-swatch", "e => getComputedStyle(e).backgroundColor")
    assert shade == "rgb(244, 162, 97)"  # the white zone's orange


def test_the_fiche_map_and_print_button(live_server, offline_page):
    page = offline_page.page
    _csp(page.goto(live_server + "/fiches/cra-lorraine"))
    page.locator(".map-frame-small path.leaflet-interactive").first.wait_for()
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.get_by_role("button", name="Imprimer la fiche").click()
    assert page.evaluate("() => window.printed") is True


def _create_admin() -> None:
    runner = LIVE_APP["app"].test_cli_runner()
    result = runner.invoke(
        args=["users", "create-admin", "--email", ADMIN_EMAIL, "--password-stdin"],
        input=ADMIN_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output


def test_signed_in_and_admin_pages_render_under_the_policy(live_server, offline_page):
    page = offline_page.page
    _create_admin()
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.wait_for_url("**/mes-fiches")
    for path in ADMIN_PAGES:
        response = page.goto(live_server + path, wait_until="networkidle")
        assert response.status == 200, path
        _csp(response)
    # The edit form's territory picker (a script file) still suggests communes.
    page.goto(live_server + "/fiches/cra-lorraine/modifier")
    assert page.locator("h1").count() == 1
