"""The keyboard alone, in Chromium: skip link, main menu, the focus ring's contrast, the map.
(The search suggestions are driven by keyboard in test_search_suggestions.py, the focus after a
form error in test_accessibility.py.)"""

import re

import pytest

from tests.browser.page_kinds import map_loaded
from tests.contrast import contrast

pytestmark = pytest.mark.browser


def tab_until(page, test: str, limit: int = 80) -> None:
    """Press Tab until the focused element passes a JavaScript test `el => …`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"() => {{ const el = document.activeElement; return !!el && !!({test})(el); }}"
        ):
            return
    pytest.fail(f"Aucun élément ne reçoit le focus au clavier pour : {test}")


def active(page, script: str = "el => el"):
    return page.evaluate(f"() => ({script})(document.activeElement)")


def colours(css: str) -> list[tuple[int, int, int]]:
    return [tuple(map(int, m)) for m in re.findall(r"rgba?\((\d+), (\d+), (\d+)", css)]


def test_the_skip_link_comes_first_shows_and_leads_to_the_content(live_server, offline_page):
    page = offline_page.page
    page.goto(live_server + "/fiches")
    page.keyboard.press("Tab")
    assert active(page, "el => el.textContent") == "Aller au contenu"
    box = page.locator(".skip-link").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0  # on screen once focused
    page.keyboard.press("Enter")
    assert active(page, "el => el.id") == "contenu"
    page.keyboard.press("Tab")  # the next stop is inside the content, past header and menu
    assert active(page, "el => !!el.closest('main')")
    assert offline_page.outside == []


def test_the_main_menu_by_keyboard(live_server, offline_page):
    page = offline_page.page
    page.goto(live_server + "/")
    tab_until(page, "el => el.closest('.site-nav') && el.textContent === 'Carte'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/carte$"))
    current = page.locator(".site-nav a[aria-current=page]")
    assert current.inner_text() == "Carte"
    assert offline_page.outside == []


@pytest.mark.parametrize(
    ("where", "test"),
    [
        ("sur fond blanc", "el => el.closest('main') && el.tagName === 'A'"),
        ("sur le bleu du menu", "el => !!el.closest('.site-nav')"),
        (
            "sur le bleu de l'en-tête",
            "el => el.closest('.header-search') && el.tagName === 'INPUT'",
        ),
        ("sur un bouton", "el => el.closest('main') && el.tagName === 'BUTTON'"),
    ],
)
def test_the_focus_ring_contrasts_3_to_1_with_its_background(
    live_server, offline_page, where, test
):
    page = offline_page.page
    page.goto(live_server + "/fiches")
    tab_until(page, test)
    style = active(
        page,
        """el => {
          const s = getComputedStyle(el);
          let node = el.parentElement, bg = 'rgba(0, 0, 0, 0)';
          while (node && /rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) {
            bg = getComputedStyle(node).backgroundColor; node = node.parentElement;
          }
          return {outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor,
                  shadow: s.boxShadow, background: bg};
        }""",
    )
    assert style["outline"].startswith("solid 3px"), style
    background = colours(style["background"])[0]
    rings = colours(style["outline"]) + colours(style["shadow"])
    best = max(contrast(ring, background) for ring in rings)
    assert best >= 3, f"Focus {where} : contraste {best:.2f}:1 ({style})"


ZOOM = "() => Object.values(window).find(v => v instanceof L.Map).getZoom()"
CENTER = "() => Object.values(window).find(v => v instanceof L.Map).getCenter().lng"


def test_the_map_by_keyboard_from_zoom_to_a_fiche(live_server, offline_page, artifacts):
    page = offline_page.page
    page.goto(live_server + "/carte")
    map_loaded(page)
    tab_until(page, "el => el.classList.contains('leaflet-container')")
    zoom = page.evaluate(ZOOM)
    page.keyboard.press("+")
    page.wait_for_function(f"() => ({ZOOM})() > {zoom}")
    page.wait_for_timeout(400)  # the zoom animation, during which Leaflet ignores keys
    page.keyboard.press("-")
    page.wait_for_function(f"() => ({ZOOM})() === {zoom}")
    west = page.evaluate(CENTER)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({CENTER})() > {west}")

    # Clusters are buttons named by their count; Entrée zooms in and keeps the focus on the map.
    tab_until(page, "el => el.matches('.marker-cluster, .map-marker')")
    for _ in range(15):
        if active(page, "el => el.classList.contains('map-marker')"):
            break
        assert re.fullmatch(
            r"\d+ fiches regroupées, Entrée pour zoomer", active(page, "el => el.textContent")
        )
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.activeElement.matches('.marker-cluster, .map-marker')", timeout=5000
        )
    else:
        pytest.fail("Aucun repère seul atteint au clavier.")
    label = active(page, "el => el.getAttribute('aria-label')")

    # Entrée opens the popup, whose link takes the focus; Échap gives it back to the marker.
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.matches('a.map-popup-link')")
    name = page.locator(".leaflet-popup-content strong").inner_text()
    assert label.endswith(" : " + name)
    page.screenshot(path=str(artifacts / "carte-clavier-popup.png"))
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.activeElement.classList.contains('map-marker')")
    page.locator(".leaflet-popup").wait_for(state="detached")  # after its fade-out

    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.matches('a.map-popup-link')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/fiches/[^/]+$"))
    assert name in page.locator("h1").inner_text()
    assert offline_page.outside == []


def test_map_controls_speak_french(live_server, offline_page):
    page = offline_page.page
    page.goto(live_server + "/fiches/cra-lorraine")
    page.locator(".map-frame path.leaflet-interactive").first.wait_for()
    assert page.get_by_role("button", name="Zoom avant").count() == 1
    assert page.get_by_role("button", name="Zoom arrière").count() == 1
