"""The header search box in Chromium: suggestions as you type, used with the keyboard only."""

import re

import pytest

pytestmark = pytest.mark.browser


def test_suggestions_combobox_with_the_keyboard(live_server, offline_page, artifacts):
    page = offline_page.page
    page.goto(live_server + "/")
    box = page.get_by_role("combobox", name="Rechercher un dispositif")
    box.focus()
    page.keyboard.type("saint-die", delay=20)
    listbox = page.get_by_role("listbox", name="Suggestions")
    option = listbox.get_by_role("option", name=re.compile("Saint-Dié-des-Vosges"))
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    page.screenshot(path=str(artifacts / "recherche-suggestions.png"))

    page.keyboard.press("Escape")
    assert listbox.is_hidden()
    assert box.get_attribute("aria-expanded") == "false"

    page.keyboard.press("ArrowDown")  # reopens
    option.wait_for()
    for _ in range(10):
        page.keyboard.press("ArrowDown")
        active = box.get_attribute("aria-activedescendant")
        if "Saint-Dié-des-Vosges" in page.locator(f"#{active}").inner_text():
            break
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/qui-intervient\?commune=88413$"))
    assert "Saint-Dié-des-Vosges" in page.locator("h1").inner_text()
    assert offline_page.outside == []


def test_the_search_form_submits_without_suggestions(live_server, offline_page, artifacts):
    page = offline_page.page
    page.goto(live_server + "/fiches/cra-lorraine")
    box = page.get_by_role("combobox", name="Rechercher un dispositif")
    box.fill("autsime")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/recherche\?q=autsime"))
    assert "Vouliez-vous dire" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "recherche-resultats.png"), full_page=True)
    page.locator("article.card h3 a").first.click()
    assert "autisme" in page.locator("h1").inner_text().lower()
    assert offline_page.outside == []
