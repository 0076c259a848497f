"""Smoke test in a real headless Chromium: pages render offline, asking nothing of the outside."""

import pytest

pytestmark = pytest.mark.browser


def test_home_and_a_fiche_render_with_nothing_requested_outside(
    live_server, offline_page, artifacts
):
    page = offline_page.page
    response = page.goto(live_server + "/")
    assert response.status == 200
    assert page.locator("h1").inner_text().startswith("Qui fait quoi")
    page.get_by_role("link", name="Qui fait quoi").first.click()
    page.goto(live_server + "/fiches/mdph-moselle")
    assert "MDPH" in page.locator("h1").inner_text()
    # our stylesheet is applied: the header is the site's blue
    header_bg = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
    assert header_bg == "rgb(29, 78, 137)"
    page.screenshot(path=str(artifacts / "fiche-mdph-moselle.png"), full_page=True)
    assert offline_page.outside == []
    assert all(url.startswith(live_server) for url in offline_page.requested)


def test_qui_intervient_from_the_home_form(live_server, offline_page):
    page = offline_page.page
    page.goto(live_server + "/")
    page.get_by_label("Nom ou code postal de la commune").fill("saint-die-des-vosges")
    page.get_by_role("button", name="Voir les dispositifs").click()
    heading = page.locator("h1").inner_text().replace("\xa0", " ")
    assert heading == "Qui intervient à Saint-Dié-des-Vosges ?"
    page.get_by_role("link", name="Équipe relais handicaps rares Nord Est").click()
    assert page.locator("h1").inner_text().startswith("Équipe relais handicaps rares Nord Est")
    assert offline_page.outside == []


def test_the_fiche_prints_without_navigation(live_server, offline_page, artifacts):
    page = offline_page.page
    page.goto(live_server + "/fiches/cra-lorraine")
    page.emulate_media(media="print")
    assert page.locator(".site-nav").is_hidden()
    assert page.locator("#sources").is_visible()
    page.pdf(path=str(artifacts / "fiche-cra-lorraine.pdf"), format="A4")
