"""Security headers on every kind of response, cookie flags in production, HSTS on HTTPS only."""

import re

import pytest

from tests.builders import make_fiche, make_user, page_text, sign_in_session

PAGES = [
    "/",
    "/fiches",
    "/fiches?page=0",
    "/carte",
    "/carte/couverture?type=dac",
    "/carte/fiches.geojson",
    "/recherche?q=autisme",
    "/recherche.json?q=autisme",
    "/connexion",
    "/page-inconnue",
    "/static/core/css/app.css",
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.S)


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in header.split(";")) if part
    )


@pytest.mark.parametrize("url", PAGES)
def test_every_response_carries_the_security_headers(client, url):
    with client.get(url) as response:
        policy = _policy(response)
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        assert policy["default-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["object-src"] == "'none'"
        assert re.fullmatch(r"'self' 'nonce-[\w-]{20,}'", policy["script-src"])
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_inline_scripts_carry_this_responses_nonce_and_nothing_else_is_inline(client, app):
    fiche = make_fiche(commune_code="57463", name="Dispositif cartographié")
    sign_in_session(client, make_user("admin"))
    for url in ("/carte", "/carte/couverture?type=dac", f"/fiches/{fiche.slug}", "/"):
        response = client.get(url)
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
        body = page_text(response)
        scripts = INLINE_SCRIPT.findall(body)
        assert scripts or url == "/", url  # the maps are built by an inline script
        assert all(f'nonce="{nonce}"' in attrs for attrs in scripts), (url, scripts)
        assert not re.search(r"<style\b", body), url  # style-src 'self': no inline block
        assert not re.search(r"\sstyle=\"", body), url  # nor style attributes
        assert not re.search(r"\son[a-z]+=\"", body), url  # nor inline event handlers
    # Two responses never share a nonce.
    first, second = client.get("/carte"), client.get("/carte")
    assert _policy(first)["script-src"] != _policy(second)["script-src"]


def test_the_legend_stylesheet_gives_every_type_its_colour(client):
    with client.get("/carte/legende.css") as response:
        css = response.get_data(as_text=True)
        assert response.mimetype == "text/css"
    assert ".type-dac { background-color: #" in css
    assert ".shade-0 { background-color: #f4a261; }" in css


def test_a_tile_server_is_allowed_for_images_only(make_app):
    other = make_app(MAP_TILES_URL="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
    with other.test_client().get("/") as response:
        policy = _policy(response)
    assert policy["img-src"] == "'self' data: https://*.tile.openstreetmap.org"
    assert policy["connect-src"] == "'self'"


def test_hsts_only_on_https(client):
    with client.get("/", base_url="https://localhost") as response:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_production_cookies_are_secure_httponly_and_samesite(make_app):
    production = make_app(ENV="production", SITE_URL="https://annuaire.example.fr")
    client = production.test_client()
    with client.get("/connexion", headers={"Host": "annuaire.example.fr"}) as response:
        cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_development_cookies_work_over_plain_http(client):
    with client.get("/connexion") as response:
        cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" not in cookie
