"""What is kept between requests (public pages, the map's data, counts, référentiels) changes
as soon as a change is committed, is never shown to someone it was not rendered for, and is
revalidated by browsers with a conditional GET."""

import gzip
import re

import pytest
from babel.numbers import format_decimal
from sqlalchemy import func, select

from directory import messages
from directory.extensions import db
from directory.fiches.models import Fiche, ReferentielValue
from tests.builders import login, logout, make_fiche, make_org, make_user, page_text, post_form
from tests.fiches.edit_helpers import edit_form


def _published(name: str, **fields):
    fiche = make_fiche("publiee", name=name, **fields)
    db.session.commit()
    return fiche


@pytest.fixture
def service(app):
    """A published fiche and the éditeur of the organisation that carries it, committed."""
    org = make_org()
    editor = make_user(organisations=[org])
    fiche = make_fiche("publiee", porteurs=[org], name="PCPE des Mirabelles")
    db.session.commit()
    return editor, fiche


def test_a_public_fiche_page_is_revalidated_and_shows_a_save_at_once(app, client, service):
    editor, fiche = service
    url = f"/fiches/{fiche.slug}"

    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    assert "Cookie" in first.headers["Vary"]  # a signed-in person sees another page
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""

    browser = app.test_client()
    login(browser, editor)
    form = edit_form(browser, fiche.slug)
    form["resume"] = "Un résumé tout neuf, écrit par le service."
    assert browser.post(f"/fiches/{fiche.slug}/modifier", data=form).status_code == 302

    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert "Un résumé tout neuf, écrit par le service." in page_text(after)
    assert after.headers["ETag"] != etag


def test_a_signed_in_editor_and_a_visitor_each_get_their_own_page(app, client, service):
    editor, fiche = service
    url = f"/fiches/{fiche.slug}"
    assert "Modifier la fiche" not in page_text(client.get(url))  # kept for visitors

    browser = app.test_client()
    login(browser, editor)
    assert "Modifier la fiche" in page_text(browser.get(url))
    assert "Modifier la fiche" not in page_text(client.get(url))
    assert "Modifier la fiche" not in page_text(app.test_client().get(url))


def test_a_message_for_one_visitor_is_not_kept_for_the_others(app, client):
    user = make_user()
    login(client, user)
    logout(client)
    assert messages.LOGGED_OUT in page_text(client.get("/"))
    assert messages.LOGGED_OUT not in page_text(app.test_client().get("/"))
    assert messages.LOGGED_OUT not in page_text(client.get("/"))  # shown once


def test_the_home_counts_follow_a_publication(app, client):
    org = make_org()
    editor = make_user(organisations=[org])
    draft = make_fiche("brouillon", porteurs=[org], name="Plateforme de répit des Vosges")
    make_fiche("publiee", name="CRA de test")
    make_fiche("publiee", name="DAC de test")
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(Fiche.published().subquery()))
    assert _published_line(count) in page_text(client.get("/"))
    service = app.test_client()
    login(service, editor)
    assert post_form(service, f"/fiches/{draft.slug}/publier").status_code == 302
    assert _published_line(count + 1) in page_text(client.get("/"))


def _published_line(count: int) -> str:
    return f"{format_decimal(count, locale='fr_FR')} fiches publiées."


def _geojson(client, **headers):
    return client.get("/carte/fiches.geojson", headers={"Accept-Encoding": "", **headers})


def test_the_map_data_is_shared_revalidated_and_follows_commits(app, client):
    _published("Dispositif Quetsche", commune_code="57463")
    first = _geojson(client)
    assert first.status_code == 200
    assert "Dispositif Quetsche" in page_text(first)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" not in first.headers.get("Vary", "")  # the same for everyone

    assert _geojson(client, **{"If-None-Match": etag}).status_code == 304
    assert _geojson(client, **{"If-Modified-Since": modified}).status_code == 304
    gzipped = client.get("/carte/fiches.geojson", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert gzipped.headers["ETag"] == etag

    _published("Dispositif Mirabelle", commune_code="57463")
    after = _geojson(client, **{"If-None-Match": etag})
    assert after.status_code == 200
    assert "Dispositif Mirabelle" in page_text(after)


def test_the_map_data_asked_with_cookies_is_for_the_browser_alone(app, client):
    login(client, make_user())
    response = _geojson(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_bulk_inserts_of_a_command_change_what_is_kept(app, client, runner):
    before = _geojson(client)
    result = runner.invoke(args=["seed", "demo", "--count", "3", "--seed", "7"])
    assert result.exit_code == 0, result.output
    after = _geojson(client, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_data() != before.get_data()


def test_a_changed_referentiel_label_shows_at_once(app, client):
    assert "Aidants et proches" not in page_text(client.get("/referentiels"))
    value = db.session.scalars(
        select(ReferentielValue).where(ReferentielValue.kind == "publics")
    ).first()
    value.label = "Aidants et proches"
    db.session.commit()
    assert "Aidants et proches" in page_text(client.get("/referentiels"))


def test_a_kept_page_with_a_map_gets_the_nonce_of_each_request(client):
    fiche = _published("SAMSAH des Brasseurs", commune_code="57463")
    nonces = []
    for _ in range(3):
        response = client.get(f"/fiches/{fiche.slug}", headers={"Accept-Encoding": "gzip"})
        policy = response.headers["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        body = response.get_data()
        if response.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert f'<script nonce="{nonce}">'.encode() in body  # the map's script may run
        nonces.append(nonce)
    assert len(set(nonces)) == 3
