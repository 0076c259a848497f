"""History of a fiche: the readable diff, restoring a version, redacting a removed person, and
two editors saving the same fiche."""

import json
import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.fiches.models import Fiche, FicheHistory
from tests.builders import add_contact, login, make_fiche, make_org, make_user, page_text
from tests.fiches.edit_helpers import edit_form, read_form


@pytest.fixture
def service(app):
    org = make_org("Association Les Tilleuls")
    editor = make_user(organisations=[org], name="Claire Martin")
    fiche = make_fiche("publiee", porteurs=[org], name="PCPE des Tilleuls")
    return org, editor, fiche


def _save(client, slug, **changes):
    form = edit_form(client, slug)
    form.update(changes)
    return client.post(f"/fiches/{slug}/modifier", data=form)


def _text(response) -> str:
    """The visible text of a page: tags stripped, spaces (non-breaking too) collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).replace("\xa0", " ").split())


def _rows(fiche):
    query = select(FicheHistory).where(FicheHistory.fiche_id == fiche.id).order_by(FicheHistory.id)
    return db.session.scalars(query).all()


def test_history_page_shows_who_when_and_each_field_before_and_after(client, service):
    _, editor, fiche = service
    login(client, editor)
    _save(client, fiche.slug, resume="Nouveau résumé.", publics=["tsa"], **{"communes-0": "88160"})
    _save(client, fiche.slug, publics=["tnd"])
    response = client.get(f"/fiches/{fiche.slug}/historique")
    assert response.status_code == 200
    page = _text(response)
    assert re.search(r"Le \d+ \w+ 20\d\d à \d+h\d+, par Claire Martin", page)
    assert "Résumé : avant : Résumé de PCPE des Tilleuls → après : Nouveau résumé." in page
    assert "Territoire : ajouté : Épinal" in page
    assert "Publics : ajouté : Troubles du neurodéveloppement" in page
    assert "retiré : Troubles du spectre de l" in page
    assert "Restaurer cette version" in page


def test_restore_a_version_brings_values_back_and_is_recorded(client, service):
    _, editor, fiche = service
    login(client, editor)
    _save(client, fiche.slug, resume="Version A.")
    _save(client, fiche.slug, resume="Version B.", sigle="PB")
    first = _rows(fiche)[0].change_id
    page = client.get(f"/fiches/{fiche.slug}/historique")
    token = read_form(page)["csrf_token"]
    response = client.post(
        f"/fiches/{fiche.slug}/historique/{first}/restaurer", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert "est restaurée" in page_text(client.get(response.headers["Location"]))
    db.session.expire_all()
    restored = db.session.get(Fiche, fiche.id)
    assert restored.summary == "Version A." and restored.acronym is None
    last = _rows(fiche)[-1]
    assert last.change_id != first and last.actor_label == "Claire Martin"
    fields = {r.field: (r.before, r.after) for r in _rows(fiche) if r.change_id == last.change_id}
    assert fields["resume"] == ("Version B.", "Version A.") and fields["sigle"] == ("PB", None)
    missing = client.post(
        f"/fiches/{fiche.slug}/historique/inconnu/restaurer", data={"csrf_token": token}
    )
    assert missing.status_code == 404


def test_removing_a_person_redacts_it_from_the_whole_history(client, service):
    _, editor, fiche = service
    login(client, editor)
    _save(
        client,
        fiche.slug,
        **{
            "contacts-0-nom": "Jeanne Dupont",
            "contacts-0-fonction": "Coordinatrice",
            "contacts-0-telephone": "06 11 22 33 44",
            "contacts-0-courriel": "jeanne.dupont@tilleuls.example",
            "contacts-1-nom": "Paul Garde",
            "contacts-1-visibilite": "public",
        },
    )
    _save(client, fiche.slug, sigle="PT")  # a later change, after the person was added
    form = edit_form(client, fiche.slug)
    form.update({"contacts-0-nom": "", "contacts-0-fonction": "", "contacts-0-telephone": ""})
    form["contacts-0-courriel"] = ""
    assert client.post(f"/fiches/{fiche.slug}/modifier", data=form).status_code == 302
    db.session.expire_all()
    stored = json.dumps([(r.before, r.after) for r in _rows(fiche)], ensure_ascii=False)
    for personal in ("Jeanne Dupont", "Coordinatrice", "06 11 22 33 44", "jeanne.dupont@"):
        assert personal not in stored
    assert "donnée personnelle supprimée" in stored and "Paul Garde" in stored
    page = page_text(client.get(f"/fiches/{fiche.slug}/historique"))
    assert "Jeanne Dupont" not in page and "donnée personnelle supprimée" in page


def test_second_editor_to_save_is_refused_and_nothing_is_overwritten(app, service):
    org, first_editor, fiche = service
    second_editor = make_user(organisations=[org], name="Marc Petit")
    first, second = app.test_client(), app.test_client()
    login(first, first_editor)
    login(second, second_editor)
    first_form = edit_form(first, fiche.slug)
    second_form = edit_form(second, fiche.slug)  # both open the same version

    first_form.update({"resume": "Résumé de Claire.", "horaires": "Lundi 9h-17h"})
    assert first.post(f"/fiches/{fiche.slug}/modifier", data=first_form).status_code == 302

    second_form.update({"resume": "Résumé de Marc.", "telephone": "03 29 11 11 11"})
    response = second.post(f"/fiches/{fiche.slug}/modifier", data=second_form)
    page = _text(response)
    assert response.status_code == 409
    assert "Quelqu'un a modifié cette fiche pendant que vous la modifiiez" in page
    assert "rien n'a été écrit" in page
    assert "Par Claire Martin" in page
    assert "Résumé : Résumé de PCPE des Tilleuls → Résumé de Claire." in page
    assert "Horaires : (vide) → Lundi 9h-17h" in page
    # The second editor's input is kept, with the new version to save deliberately.
    kept = read_form(response, f"/fiches/{fiche.slug}/modifier")
    assert kept["resume"] == "Résumé de Marc." and kept["telephone"] == "03 29 11 11 11"
    db.session.expire_all()
    saved = db.session.get(Fiche, fiche.id)
    assert saved.summary == "Résumé de Claire." and saved.opening_hours == "Lundi 9h-17h"
    assert saved.phone is None
    assert kept["version"] == str(saved.version)

    again = second.post(f"/fiches/{fiche.slug}/modifier", data=kept)
    assert again.status_code == 302  # re-applied deliberately, after reading the first's changes
    db.session.expire_all()
    saved = db.session.get(Fiche, fiche.id)
    assert saved.summary == "Résumé de Marc." and saved.phone == "03 29 11 11 11"


def test_history_is_only_for_those_who_may_edit(client, service):
    _, _, fiche = service
    add_contact(fiche, "Nadia Membre")
    db.session.commit()
    login(client, make_user())
    assert client.get(f"/fiches/{fiche.slug}/historique").status_code == 403
