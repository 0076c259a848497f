"""The pages a public site owes: what they say is what the app does, and what only the publisher
can say is asked for in plain sight until it is configured."""

import json
import re

import pytest

from directory import messages
from directory.about import services
from tests.builders import add_contact, login, make_fiche, make_user, page_text
from tests.conftest import ROOT

PLACEHOLDER = "à compléter par l'éditeur du site"
PAGES = ("/accessibilite", "/mentions-legales", "/donnees-personnelles", "/plan-du-site")


def _text(response) -> str:
    return " ".join(page_text(response).replace("\xa0", " ").split())


@pytest.fixture
def publisher(app):
    """Configure every fact of the publisher for one test."""
    facts = {key: f"valeur de {key}" for key in services.PUBLISHER_FACTS}
    facts["PUBLISHER_EMAIL"] = "contact@editeur.example"
    previous = {key: app.config.get(key) for key in facts}
    app.config.update(facts)
    yield facts
    app.config.update(previous)


@pytest.mark.parametrize("path", PAGES)
def test_each_page_is_public_and_linked_from_every_footer(client, path):
    response = client.get(path)
    assert response.status_code == 200
    home = page_text(client.get("/"))
    footer = home[home.index("<footer") :]
    assert f'href="{path}"' in footer


def test_the_footer_states_the_accessibility_status(client):
    footer = _text(client.get("/fiches"))
    assert "Accessibilité : non conforme" in footer


def test_the_statement_says_no_audit_was_made_and_what_the_checks_cover(client):
    text = _text(client.get("/accessibilite"))
    assert "non conforme — audit non réalisé" in text
    assert "Aucun audit de conformité au RGAA n'a encore été réalisé" in text
    for covered in ("au clavier seul", "Aller au contenu", "récapitulatif des erreurs", "carte"):
        assert covered in text
    assert "Contenus non accessibles" in text and "Les cartes" in text
    assert "Défenseur des droits" in text and "Libre réponse 71120" in text


def test_the_statement_names_the_axe_version_the_tests_install(client):
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    installed = package["devDependencies"]["axe-core"]
    assert services.AXE_VERSION == installed
    assert f"axe-core {installed}" in _text(client.get("/accessibilite"))


@pytest.mark.parametrize("path", PAGES[:3])
def test_missing_publisher_facts_are_asked_for_in_plain_sight(client, path):
    body = page_text(client.get(path))
    assert f'<span class="to-complete">{PLACEHOLDER}</span>' in body


@pytest.mark.parametrize("path", PAGES[:3])
def test_configured_publisher_facts_replace_every_placeholder(client, publisher, path):
    text = _text(client.get(path))
    assert PLACEHOLDER not in text
    assert "contact@editeur.example" in text
    assert "valeur de PUBLISHER_NAME" in text


def test_the_legal_notice_names_publisher_host_director_and_source(client, publisher):
    text = _text(client.get("/mentions-legales"))
    for key in ("PUBLISHER_ID", "PUBLICATION_DIRECTOR", "HOSTING_PROVIDER", "DATA_LICENCE"):
        assert f"valeur de {key}" in text
    assert "AGPL-3.0-or-later" in text


def test_personal_data_states_the_durations_the_app_applies(app, client):
    text = _text(client.get("/donnees-personnelles"))
    days = app.config["ACCOUNT_TOKEN_MAX_AGE"] // 86400
    assert f"Le lien reçu vaut {days} jours" in text
    assert "10 essais au plus" in text and "5 minutes, en mémoire seulement" in text
    previous = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = "3 per hour"
    try:
        text = _text(client.get("/donnees-personnelles"))
    finally:
        app.config["LOGIN_RATE_LIMIT"] = previous
    assert "3 essais au plus" in text and "60 minutes" in text


def test_personal_data_gives_named_contacts_the_right_to_object_and_be_removed(client):
    text = _text(client.get("/donnees-personnelles"))
    assert "Vous pouvez vous opposer à y figurer et en être retiré à tout moment" in text
    assert f"« {messages.PERSONAL_DATA_REMOVED} »" in text
    assert "L'annuaire ne l'efface pas de lui-même" in text  # the audit trail, honestly
    assert "l'adresse IP" in text


@pytest.mark.parametrize(
    "path", ["/", "/fiches", "/fiches/{slug}", "/carte", "/recherche?q=autisme", "/accessibilite"]
)
def test_browsing_sets_no_cookie(app, client, path):
    fiche = make_fiche()
    response = client.get(path.format(slug=fiche.slug))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_the_session_cookie_ends_with_the_browser(app, client):
    user = make_user()
    response = login(client, user)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert not re.search(r"(?i)expires=|max-age=", cookie)


def test_the_site_plan_lists_every_type_and_the_public_pages(app, client, seeded):
    body = page_text(client.get("/plan-du-site"))
    from directory.fiches import referentiels

    for t in referentiels.types():
        assert f'href="/types/{t.code}"' in body
    for path in ("/fiches", "/qui-intervient", "/carte", "/referentiels", "/accessibilite"):
        assert f'href="{path}"' in body
    assert 'href="/connexion"' in body and 'href="/admin/"' not in body


def test_the_site_plan_shows_a_signed_in_admin_the_administration(app, client):
    login(client, make_user("admin"))
    body = page_text(client.get("/plan-du-site"))
    assert 'href="/admin/"' in body and 'href="/mes-fiches"' in body


def test_named_contacts_appear_on_the_fiche_as_the_page_describes(app, client):
    fiche = make_fiche()
    add_contact(fiche, "Paule Visible", "public")
    add_contact(fiche, "Marc Réservé", "membres")
    text = _text(client.get(f"/fiches/{fiche.slug}"))
    assert "Paule Visible" in text and "Marc Réservé" not in text


def test_every_publisher_fact_has_a_default_in_the_config():
    from directory.config import Config

    assert all(hasattr(Config, key) for key in services.PUBLISHER_FACTS)
