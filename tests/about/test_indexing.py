"""Search engines: robots.txt, the sitemap of published fiches, and `noindex` on everything
that is not a public page as an anonymous visitor sees it."""

import re
import xml.etree.ElementTree as ET

import pytest
from flask import url_for

from directory.about.indexing import INDEXABLE
from tests.accounts.test_permission_grid import UNCHECKED, _url, world  # noqa: F401
from tests.builders import login, make_fiche, make_org, make_user, page_text

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
META = re.compile(r'<meta name="robots" content="([^"]+)">')


def _robots(response) -> tuple[str | None, str | None]:
    """Return (the page's robots meta, the X-Robots-Tag header)."""
    meta = META.search(page_text(response))
    return (meta.group(1) if meta else None), response.headers.get("X-Robots-Tag")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/fiches",
        "/types",
        "/referentiels",
        "/carte",
        "/qui-intervient",
        "/accessibilite",
        "/mentions-legales",
        "/donnees-personnelles",
        "/plan-du-site",
        "/sources-et-licences",
    ],
)
def test_public_pages_may_be_indexed(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert _robots(response) == ("index, follow", None)


def test_a_published_fiche_may_be_indexed_a_fictive_one_not(client):
    real, fictive = make_fiche(), make_fiche(fictive=True)
    assert _robots(client.get(f"/fiches/{real.slug}")) == ("index, follow", None)
    assert _robots(client.get(f"/fiches/{fictive.slug}"))[0] == "noindex"


@pytest.mark.parametrize(
    "path",
    [
        "/recherche?q=autisme",
        "/fiches?type=cra",
        "/fiches?page=2",
        "/qui-intervient?commune=88160",
        "/carte?departement=88",
        "/connexion",
        "/mot-de-passe/oublie",
        "/invitation/jeton",
    ],
)
def test_search_results_filtered_lists_and_sign_in_pages_say_noindex(client, path):
    meta, header = _robots(client.get(path))
    assert meta == "noindex" and header == "noindex"


def test_a_draft_seen_by_its_editor_says_noindex(app, client):
    organisation = make_org()
    draft = make_fiche("brouillon", porteurs=[organisation])
    login(client, make_user("admin", organisations=[organisation]))
    for path in (
        f"/fiches/{draft.slug}",
        f"/fiches/{draft.slug}/modifier",
        "/mes-fiches",
        "/admin/",
        "/admin/journal",
        "/fiches/nouvelle",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _robots(response) == ("noindex", "noindex"), path


def test_errors_say_noindex(client):
    assert _robots(client.get("/fiches/fiche-absente")) == ("noindex", "noindex")
    assert _robots(client.get("/page-absente")) == ("noindex", "noindex")


def test_every_other_route_says_noindex_to_an_anonymous_visitor(app, client, world):  # noqa: F811
    """Every GET route not in INDEXABLE answers X-Robots-Tag: noindex (data, files, pages)."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in INDEXABLE:
            continue
        if rule.endpoint in UNCHECKED:
            url = "/static/core/css/app.css"
        else:
            url = _url(app, rule, world, "pub")
        response = client.get(url)
        assert response.headers.get("X-Robots-Tag") == "noindex", f"{url} ({response.status_code})"
        response.close()


def test_robots_txt_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(app, client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    for private in ("/admin/", "/connexion", "/mes-fiches", "/recherche", "/fiches/*/modifier"):
        assert f"Disallow: {private}" in lines
    assert "Disallow: /" not in lines  # the public site stays open
    assert f"Sitemap: {app.config['SITE_URL']}/sitemap.xml" in lines


def test_the_sitemap_lists_published_real_fiches_on_the_site_url(app, client):
    published = make_fiche()
    hidden = [make_fiche("brouillon"), make_fiche("archivee"), make_fiche(fictive=True)]
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())  # noqa: S314 - our own sitemap, in a test
    entries = {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.findall("s:url", SITEMAP_NS)
    }
    site = app.config["SITE_URL"]
    assert all(loc.startswith(site + "/") for loc in entries)
    assert entries[f"{site}/fiches/{published.slug}"] == published.updated_at.date().isoformat()
    for fiche in hidden:
        assert f"{site}/fiches/{fiche.slug}" not in entries
    assert f"{site}/" in entries and f"{site}/accessibilite" in entries
    with app.test_request_context():
        assert site + url_for("fiches.show_type", code=published.type_code) in entries


def test_without_a_site_url_there_is_no_sitemap(app, client):
    previous = app.config["SITE_URL"]
    app.config["SITE_URL"] = None
    try:
        assert client.get("/sitemap.xml").status_code == 404
        robots = client.get("/robots.txt").get_data(as_text=True)
    finally:
        app.config["SITE_URL"] = previous
    assert "Sitemap:" not in robots and "Disallow: /admin/" in robots
