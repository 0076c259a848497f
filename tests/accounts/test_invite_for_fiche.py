"""« Inviter un éditeur pour cette fiche »: prefilled with its porteur; for a fiche without a
porteur, the invited person names their organisation, found again by SIRET or normalised name
before any is created, and it becomes the fiche's porteur."""

import re

from sqlalchemy import func, select

from directory.accounts.mail import outbox_messages
from directory.extensions import db
from directory.fiches.models import Fiche, FicheHistory
from directory.organisations.models import Organisation
from tests.builders import login, logout, make_fiche, make_org, make_user, page_text, post_form

PASSWORD = "un-mot-de-passe-solide"  # noqa: S105 - a test account


def _invite_for(client, fiche, **fields):
    return post_form(
        client,
        f"/admin/invitations?fiche={fiche.slug}",
        {"email": "service@exemple.fr", "fiche": fiche.slug, "organisation_id": "", **fields},
    )


def _accept(client, **fields):
    [mail] = outbox_messages()
    path = re.search(r"https://annuaire\.test(/invitation/\S+)", mail.body).group(1)
    data = {"name": "Sam Service", "password": PASSWORD, "confirm": PASSWORD, **fields}
    return path, post_form(client, path, data)


def test_the_fiche_page_offers_admins_to_invite_an_editor_prefilled_with_the_porteur(client):
    porteur = make_org("Association Les Tilleuls")
    fiche = make_fiche(porteurs=[porteur], name="Plateforme des Tilleuls")
    login(client, make_user("admin"))
    page = page_text(client.get(f"/fiches/{fiche.slug}"))
    assert f"/admin/invitations?fiche={fiche.slug}" in page
    form = page_text(client.get(f"/admin/invitations?fiche={fiche.slug}"))
    assert re.search(
        r"Inviter un éditeur pour la fiche « <a [^>]+>Plateforme des Tilleuls</a> »", form
    )
    assert f'<option selected value="{porteur.id}">' in form


def test_a_fiche_without_porteur_takes_the_organisation_the_person_names(client, outbox):
    existing = make_org("A.P.A.J.H. des Ardennes")
    fiche = make_fiche(name="EMAS des Ardennes")
    login(client, make_user("admin"))
    assert _invite_for(client, fiche).status_code == 302
    [mail] = outbox_messages()
    assert "pour tenir la fiche « EMAS des Ardennes »" in mail.body
    logout(client)

    path, missing = _accept(client)
    assert missing.status_code == 400 and "Ce champ est obligatoire" in page_text(missing)
    _, response = _accept(client, organisation="APAJH  des ardennes")
    assert response.status_code == 302
    db.session.expire_all()
    fiche = db.session.get(Fiche, fiche.id)
    assert [o.id for o in fiche.porteurs] == [existing.id]  # found again, not created
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
    [row] = db.session.scalars(
        select(FicheHistory).where(
            FicheHistory.fiche_id == fiche.id, FicheHistory.field == "porteurs"
        )
    ).all()
    assert row.via == "invitation à tenir la fiche" and row.actor_label == "Sam Service"
    assert "EMAS des Ardennes" in page_text(client.get("/mes-fiches"))


def test_the_siret_finds_the_organisation_first_and_else_one_is_created(client, outbox):
    by_siret = make_org("Nom administratif très différent")
    by_siret.siret = "12345678901234"
    fiche = make_fiche(name="CMPP sans porteur")
    login(client, make_user("admin"))
    _invite_for(client, fiche)
    logout(client)
    _accept(client, organisation="CMPP Les Érables", siret="12345678901234")
    db.session.expire_all()
    assert [o.id for o in db.session.get(Fiche, fiche.id).porteurs] == [by_siret.id]


def test_an_unknown_organisation_is_created_once(client, outbox):
    fiche = make_fiche(name="Accueil de jour")
    login(client, make_user("admin"))
    _invite_for(client, fiche)
    logout(client)
    _accept(client, organisation="Association Nouvelle")
    db.session.expire_all()
    [porteur] = db.session.get(Fiche, fiche.id).porteurs
    assert porteur.name == "Association Nouvelle"
