"""Command line: the first admin account, the list of users, freshness reminders."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from directory.accounts.mail import outbox_messages
from directory.accounts.models import ReminderSent, User
from directory.accounts.reminders import send_reminders
from directory.extensions import db
from directory.fiches.models import Statut
from tests.builders import login, make_fiche, make_org, make_user, page_text

SECRET = "secret-de-l-admin"  # noqa: S105 - a test account's password


def test_create_admin_then_sign_in_as_admin(runner, client, app):
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "Anim@Exemple.fr",
            "--name",
            "Anim",
            "--password-stdin",
        ],
        input=SECRET + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Compte administrateur créé : anim@exemple.fr" in result.output
    user = db.session.scalar(select(User).where(User.email == "anim@exemple.fr"))
    assert user.role.value == "admin"
    login(client, user, SECRET)
    assert "Administration" in page_text(client.get("/mes-fiches"))


def test_create_admin_refuses_a_taken_address_and_a_short_password(runner, app):
    make_user(email="pris@exemple.fr")
    db.session.commit()
    taken = runner.invoke(
        args=["users", "create-admin", "--email", "pris@exemple.fr", "--password-stdin"],
        input=SECRET + "\n",
    )
    assert taken.exit_code == 1 and "Un compte existe déjà pour pris@exemple.fr." in taken.output
    short = runner.invoke(
        args=["users", "create-admin", "--email", "neuf@exemple.fr", "--password-stdin"],
        input="court\n",
    )
    assert short.exit_code == 1
    assert "Le mot de passe doit compter au moins 10 caractères." in short.output


def test_create_admin_prompts_for_the_password_twice(runner, app):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "invite@exemple.fr"],
        input=f"{SECRET}\n{SECRET}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Mot de passe" in result.output


def test_users_list_shows_roles_and_organisations(runner, app):
    organisation = make_org("MDPH des Vosges")
    make_user(email="edit@exemple.fr", organisations=[organisation])
    make_user("admin", email="admin@exemple.fr")
    db.session.commit()
    result = runner.invoke(args=["users", "list"])
    assert "admin@exemple.fr\tadmin\tactif\t—" in result.output
    assert "edit@exemple.fr\tmembre\tactif\tMDPH des Vosges" in result.output


def _overdue_fiche(**fields):
    organisation = make_org("Plateforme de répit")
    editor = make_user(email="editeur@exemple.fr", organisations=[organisation])
    make_user(email="inactif@exemple.fr", organisations=[organisation], active=False)
    fiche = make_fiche(
        porteurs=[organisation],
        name="Plateforme de répit des Vosges",
        verified_on=date.today() - timedelta(days=400),
        verification_months=12,
        **fields,
    )
    db.session.commit()
    return fiche, editor


def test_reminders_go_to_the_editors_of_overdue_fiches_once_per_period(runner, app, outbox):
    fiche, _ = _overdue_fiche()
    make_fiche(porteurs=fiche.porteurs, verified_on=date.today())  # fresh: no reminder
    make_fiche("brouillon", porteurs=fiche.porteurs, verified_on=date(2020, 1, 1))
    db.session.commit()

    result = runner.invoke(args=["reminders", "send"])
    assert "1 rappel(s) envoyé(s)." in result.output
    [mail] = outbox_messages()
    assert mail.to == "editeur@exemple.fr"  # not the deactivated éditeur
    assert mail.subject == "Votre fiche « Plateforme de répit des Vosges » est à vérifier"
    assert "rien n'est retiré automatiquement" in mail.body
    [reminder] = db.session.scalars(select(ReminderSent)).all()
    assert reminder.fiche_id == fiche.id and reminder.recipients == ["editeur@exemple.fr"]
    db.session.refresh(fiche)
    assert fiche.status == Statut.PUBLIEE  # nothing is unpublished

    again = runner.invoke(args=["reminders", "send"])
    assert "0 rappel(s) envoyé(s)." in again.output
    assert len(outbox_messages()) == 1


def test_a_new_period_brings_a_new_reminder(app, outbox):
    fiche, _ = _overdue_fiche()
    assert len(send_reminders()) == 1
    in_eleven_months = date.today() + timedelta(days=330)
    assert send_reminders(in_eleven_months) == []
    in_thirteen_months = date.today() + timedelta(days=400)
    assert len(send_reminders(in_thirteen_months)) == 1
    assert len(outbox_messages()) == 2


def test_a_fiche_never_verified_is_due_from_its_creation(app, outbox):
    organisation = make_org()
    make_user(organisations=[organisation])
    make_fiche(
        porteurs=[organisation],
        created_at=datetime.now(UTC) - timedelta(days=200),
        verification_months=6,
    )
    db.session.commit()
    assert len(send_reminders()) == 1
