"""Invitations and password resets: signed, expiring, single-use links sent by e-mail."""

import re

from sqlalchemy import select

from directory.accounts.mail import outbox_messages
from directory.accounts.models import AuditEvent, User
from directory.extensions import db
from directory.organisations.models import Organisation
from tests.builders import (
    PASSWORD,
    login,
    logout,
    make_fiche,
    make_org,
    make_user,
    page_text,
    post_form,
)

NEW_PASSWORD = "un-tout-nouveau-secret"  # noqa: S105 - a test account's password


def _mails(outbox) -> list[str]:
    """Return each message of the outbox as its headers and decoded body, oldest first."""
    return [f"To: {m.to}\nSubject: {m.subject}\n\n{m.body}" for m in outbox_messages()[::-1]]


def _link(mail: str) -> str:
    return re.search(r"https://annuaire\.test(/\S+)", mail).group(1)


def _invite(client, **fields):
    data = {"email": "service@exemple.fr", "organisation_id": "", "message": ""} | fields
    return post_form(client, "/admin/invitations", data)


def test_an_invited_service_sets_its_password_and_lands_on_its_fiches(client, app, outbox):
    admin = make_user("admin", name="Alix Animatrice")
    login(client, admin)
    response = _invite(
        client,
        new_organisation="Association Les Tilleuls",
        siret="12345678901234",
        message="Bienvenue dans l'annuaire !",
    )
    assert response.status_code == 302
    assert "Invitation envoyée à service@exemple.fr." in page_text(client.get(response.location))

    [mail] = _mails(outbox)
    assert "To: service@exemple.fr" in mail
    assert "Alix Animatrice vous invite" in mail and "Association Les Tilleuls" in mail
    assert "Bienvenue dans l'annuaire !" in mail and "valable 7 jours" in mail
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.name == "Association Les Tilleuls")
    )
    assert organisation.siret == "12345678901234"
    fiche = make_fiche(porteurs=[organisation], name="Dispositif des Tilleuls")
    db.session.commit()
    logout(client)

    link = _link(mail)
    page = page_text(client.get(link))
    assert "service@exemple.fr" in page and "Association Les Tilleuls" in page
    response = post_form(
        client, link, {"name": "Sam Service", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.location == "/mes-fiches"
    page = page_text(client.get("/mes-fiches"))
    assert "Bienvenue ! Votre compte est créé" in page
    assert fiche.name in page

    user = db.session.scalar(select(User).where(User.email == "service@exemple.fr"))
    assert [o.name for o in user.organisations] == ["Association Les Tilleuls"]
    assert user.role.value == "membre" and user.check_password(NEW_PASSWORD)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "invitation_sent" in actions and "invitation_accepted" in actions
    assert "membership_added" in actions


def test_an_invitation_for_an_existing_organisation(client, app, outbox):
    organisation = make_org("CRA Lorraine")
    login(client, make_user("admin"))
    response = _invite(client, organisation_id=str(organisation.id))
    assert response.status_code == 302
    assert "CRA Lorraine" in _mails(outbox)[0]


def test_an_invitation_needs_an_organisation_and_a_free_address(client, app, outbox):
    taken = make_user(email="deja@exemple.fr")
    login(client, make_user("admin"))
    page = page_text(_invite(client, email="pas-une-adresse"))
    assert "Adresse électronique invalide." in page
    assert "Choisissez une organisation existante ou donnez le nom d'une nouvelle." in page
    response = _invite(client, email=taken.email, new_organisation="X")
    assert response.status_code == 400
    assert "Un compte existe déjà pour cette adresse" in page_text(response)
    assert _mails(outbox) == []


def _accepted_link(client, outbox) -> str:
    login(client, make_user("admin"))
    _invite(client, new_organisation="Service Y")
    logout(client)
    link = _link(_mails(outbox)[0])
    post_form(client, link, {"name": "Y", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    logout(client)
    return link


def test_a_used_invitation_link_is_refused_in_french(client, app, outbox):
    link = _accepted_link(client, outbox)
    response = client.get(link)
    assert response.status_code == 400
    assert "Ce lien a déjà été utilisé." in page_text(response)


def test_an_expired_or_tampered_link_is_refused_in_french(client, app, outbox):
    login(client, make_user("admin"))
    _invite(client, new_organisation="Service Z")
    logout(client)
    link = _link(_mails(outbox)[0])
    app.config["ACCOUNT_TOKEN_MAX_AGE"] = -1
    try:
        response = client.get(link)
        assert response.status_code == 400
        assert "Ce lien a expiré. Demandez un nouveau lien." in page_text(response)
    finally:
        app.config["ACCOUNT_TOKEN_MAX_AGE"] = 7 * 24 * 3600
    response = client.get(link[:-3] + "abc")
    assert response.status_code == 400
    assert "Ce lien n'est pas valide." in page_text(response)


def test_passwords_must_match_and_be_long_enough(client, app, outbox):
    login(client, make_user("admin"))
    _invite(client, new_organisation="Service W")
    logout(client)
    link = _link(_mails(outbox)[0])
    page = page_text(
        post_form(client, link, {"name": "W", "password": "court", "confirm": "autre"})
    )
    assert "Le mot de passe doit compter au moins 10 caractères." in page
    assert "Les deux mots de passe ne sont pas identiques." in page
    assert re.search(r'aria-describedby="[^"]*password-erreurs"', page)  # error tied to field


def test_password_reset_by_e_mail(client, app, outbox):
    user = make_user(email="oubli@exemple.fr")
    db.session.commit()
    response = post_form(client, "/mot-de-passe/oublie", {"email": "oubli@exemple.fr"})
    assert "un courriel vient de lui être envoyé" in page_text(client.get(response.location))
    [mail] = _mails(outbox)
    link = _link(mail)
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.location == "/mes-fiches"
    assert "Votre mot de passe est enregistré." in page_text(client.get("/mes-fiches"))
    logout(client)
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    response = client.get(link)
    assert response.status_code == 400 and "déjà été utilisé" in page_text(response)


def test_password_reset_does_not_tell_whether_an_account_exists(client, app, outbox):
    response = post_form(client, "/mot-de-passe/oublie", {"email": "personne@exemple.fr"})
    assert response.status_code == 302
    assert "Si un compte existe pour cette adresse" in page_text(client.get(response.location))
    assert _mails(outbox) == []


def test_my_account_changes_the_password_only_with_the_current_one(client, app):
    user = make_user(name="Ancien Nom")
    login(client, user)
    data = {"name": "Nouveau Nom", "current_password": "faux", "password": NEW_PASSWORD}
    response = post_form(client, "/mon-compte", data | {"confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert "Mot de passe actuel incorrect." in page_text(response)
    data["current_password"] = PASSWORD
    response = post_form(client, "/mon-compte", data | {"confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert "Nouveau Nom" in page_text(client.get("/mon-compte"))
    assert user.check_password(NEW_PASSWORD)
