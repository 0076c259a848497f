"""The secret key, sign-in timing and links to other organisations' drafts."""

import pytest

from directory.accounts import models, services
from directory.extensions import db
from directory.fiches.models import FicheLink, LinkKind, Statut
from tests.builders import PASSWORD, login, make_fiche, make_org, make_user, page_text
from tests.conftest import PRODUCTION_SECRET_KEY
from tests.fiches.edit_helpers import edit_form

SITE = "https://annuaire.example.fr"


@pytest.mark.parametrize("key", ["", "x", "dev-only-change-me", "k" * 31])
def test_production_refuses_an_empty_short_or_default_secret_key(make_app, key):
    with pytest.raises(RuntimeError, match="DIRECTORY_SECRET_KEY"):
        make_app(ENV="production", SITE_URL=SITE, SECRET_KEY=key)


def test_production_starts_with_a_real_secret_key_and_its_forms_work(make_app):
    production = make_app(ENV="production", SITE_URL=SITE, SECRET_KEY=PRODUCTION_SECRET_KEY)
    with production.test_client().get("/connexion", headers={"Host": "annuaire.example.fr"}) as r:
        assert r.status_code == 200


def test_an_empty_secret_key_is_refused_in_development_too(make_app):
    with pytest.raises(RuntimeError, match="DIRECTORY_SECRET_KEY"):
        make_app(SECRET_KEY="")


@pytest.fixture
def hash_checks(monkeypatch):
    """Record the password hashes checked (Werkzeug's check, called through)."""
    checked = []
    real = models.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash.split("$")[0])  # the method and its cost parameters
        return real(pwhash, password)

    monkeypatch.setattr(models, "check_password_hash", spy)
    return checked


def test_signing_in_costs_one_scrypt_check_whether_the_account_exists_or_not(app, hash_checks):
    known = make_user(email="connu@exemple.fr")
    inactive = make_user(email="parti@exemple.fr", active=False)
    invited = make_user(email="invite@exemple.fr")
    invited.password_hash = None  # invitation not accepted yet: no password
    db.session.flush()
    for email in (known.email, "inconnu@exemple.fr", inactive.email, invited.email):
        assert services.authenticate(email, "pas-le-bon") is None
    assert services.authenticate(known.email, PASSWORD) == known
    assert len(hash_checks) == 5
    assert len(set(hash_checks)) == 1  # same method, same cost for all
    assert hash_checks[0].startswith("scrypt:")


def _two_services():
    mine, theirs = make_org("Association Les Tilleuls"), make_org("Association Les Érables")
    editor = make_user(organisations=[mine])
    fiche = make_fiche(porteurs=[mine], name="PCPE des Tilleuls")
    draft = make_fiche("brouillon", porteurs=[theirs], name="Projet secret des Érables")
    return editor, fiche, draft, mine


def _link_to(client, fiche, slug):
    form = edit_form(client, fiche.slug)
    form["liens-0-type"], form["liens-0-fiche"] = "partenaire_de", slug
    return client.post(f"/fiches/{fiche.slug}/modifier", data=form)


def test_an_editor_cannot_link_to_another_organisations_draft(client, app):
    editor, fiche, draft, _ = _two_services()
    login(client, editor)
    response = _link_to(client, fiche, draft.slug)
    body = page_text(response)
    assert response.status_code == 422
    # The same words as for a slug that does not exist: the draft's existence is not told.
    assert f"Fiche liée inconnue : {draft.slug}." in body
    db.session.expire_all()
    assert fiche.links_out == []


def test_an_editor_links_to_published_fiches_and_its_own_drafts(client, app):
    editor, fiche, _, mine = _two_services()
    published = make_fiche(name="MDPH de test")
    own_draft = make_fiche("brouillon", porteurs=[mine], name="Brouillon des Tilleuls")
    login(client, editor)
    for target in (published, own_draft):
        response = _link_to(client, fiche, target.slug)
        assert response.status_code == 302, page_text(response)[:500]


def test_the_public_json_never_shows_a_drafts_slug(client, app):
    _, fiche, draft, _ = _two_services()
    published = make_fiche(name="MDPH de test")
    # Links made before the rule (or a target unpublished since) are kept but not shown.
    for target in (draft, published):
        db.session.add(FicheLink(from_fiche=fiche, to_fiche=target, kind=LinkKind.PARTENAIRE_DE))
    db.session.commit()
    with client.get(f"/fiches/{fiche.slug}.json") as response:
        data = response.get_json()
        body = response.get_data(as_text=True)
    assert draft.slug not in body
    assert data["liens"] == [{"type": "partenaire_de", "fiche": published.slug}]
    assert draft.slug not in page_text(client.get(f"/fiches/{fiche.slug}"))


def test_a_partner_archived_since_does_not_block_the_next_save(client, app):
    editor, fiche, _, _ = _two_services()
    partner = make_fiche(name="MDPH de test")
    db.session.add(FicheLink(from_fiche=fiche, to_fiche=partner, kind=LinkKind.PARTENAIRE_DE))
    partner.status = Statut.ARCHIVEE
    login(client, editor)
    form = edit_form(client, fiche.slug)
    form["horaires"] = "Du lundi au vendredi"
    response = client.post(f"/fiches/{fiche.slug}/modifier", data=form)
    assert response.status_code == 302, page_text(response)[:500]
