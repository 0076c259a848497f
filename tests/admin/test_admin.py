"""Administration: freshness dashboard, users and roles, outbox, audit trail."""

from datetime import date, timedelta

from sqlalchemy import select

from directory.accounts.models import AuditEvent
from directory.extensions import db
from directory.fiches.services import Actor, record_history
from tests.builders import login, logout, make_fiche, make_org, make_user, page_text, post_form


def _fiches_of_every_freshness():
    organisation = make_org()
    today = date.today()
    make_fiche(
        porteurs=[organisation], name="Fiche fraîche", verified_on=today, commune_code="88160"
    )
    make_fiche(
        porteurs=[organisation],
        name="Fiche bientôt due",
        verified_on=today - timedelta(days=350),
        commune_code="88160",
    )
    make_fiche(
        porteurs=[organisation],
        name="Fiche en retard",
        verified_on=today - timedelta(days=500),
        completeness=90,
    )
    make_fiche(
        "archivee", porteurs=[organisation], name="Fiche archivée", verified_on=date(2020, 1, 1)
    )


def test_dashboard_counts_fiches_by_freshness_per_departement_and_type(client, app):
    _fiches_of_every_freshness()
    login(client, make_user("admin"))
    page = page_text(client.get("/admin/"))
    assert "3 fiche(s) suivie(s)" in page  # the archived one is not followed
    assert "Vosges (88)" in page and "Non renseigné" in page
    assert "/admin/fiches?etat=en_retard&amp;departement=88" not in page
    assert "/admin/fiches?etat=bientot&departement=88" in page.replace("&amp;", "&")

    late = page_text(client.get("/admin/fiches?etat=en_retard"))
    assert "Fiche en retard" in late and "Fiche fraîche" not in late
    soon = page_text(client.get("/admin/fiches?etat=bientot&departement=88"))
    assert "Fiche bientôt due" in soon and "Fiche en retard" not in soon
    complete = page_text(client.get("/admin/fiches?completude=bonne"))
    assert "Fiche en retard" in complete and "Fiche fraîche" not in complete
    assert client.get("/admin/fiches?etat=inconnu").status_code == 400


def test_admin_pages_are_for_admins_only(client, app):
    assert client.get("/admin/").status_code == 302
    login(client, make_user())
    response = client.get("/admin/journal")
    assert response.status_code == 403
    assert "Vous n'avez pas les droits nécessaires" in page_text(response)


def test_the_audit_trail_lists_sign_ins_and_filters_by_action(client, app):
    someone = make_user(name="Dominique Membre")
    login(client, someone)
    logout(client)
    post_form(client, "/connexion", {"email": someone.email, "password": "mauvais"})
    login(client, make_user("admin", name="Alix Admin"))
    page = page_text(client.get("/admin/journal"))
    assert "Connexion" in page and "Échec de connexion" in page and "Déconnexion" in page
    assert "Dominique Membre" in page and "mauvais" not in page
    only_failures = page_text(client.get("/admin/journal?action=login_failed"))
    assert "Échec de connexion" in only_failures and "Dominique Membre" not in only_failures
    by_actor = page_text(client.get("/admin/journal?acteur=alix"))
    assert "Alix Admin" in by_actor and "Dominique Membre" not in by_actor


def test_admin_changes_roles_and_memberships_and_it_is_recorded(client, app):
    organisation = make_org("SESSAD Les Hirondelles")
    person = make_user(email="p@exemple.fr")
    admin = make_user("admin")
    login(client, admin)
    url = f"/admin/utilisateurs/{person.id}"
    response = post_form(client, url, {"role": "admin", "active": "y"})
    assert response.status_code == 302
    assert "Le compte de p@exemple.fr est enregistré." in page_text(client.get(url))
    response = post_form(
        client, f"{url}/organisations", {"adhesion-organisation_id": str(organisation.id)}
    )
    page = page_text(client.get(response.location))
    assert "p@exemple.fr est désormais éditeur de « SESSAD Les Hirondelles »." in page
    assert [o.name for o in person.organisations] == ["SESSAD Les Hirondelles"]
    post_form(client, f"{url}/organisations/{organisation.id}/retirer")
    db.session.expire_all()
    assert person.organisations == []
    post_form(client, url, {"role": "membre"})  # unchecked box: deactivated
    db.session.expire_all()
    assert person.role.value == "membre" and not person.active
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type == "user").order_by(AuditEvent.id)
    ).all()
    assert actions[-4:] == [
        "user_changed",
        "membership_added",
        "membership_removed",
        "user_changed",
    ]
    users = page_text(client.get("/admin/utilisateurs"))
    assert "p@exemple.fr" in users and "Désactivé" in users


def test_an_admin_cannot_remove_its_own_admin_role(client, app):
    admin = make_user("admin")
    login(client, admin)
    response = post_form(
        client, f"/admin/utilisateurs/{admin.id}", {"role": "membre", "active": "y"}
    )
    assert response.status_code == 400
    assert "Vous ne pouvez pas retirer votre propre rôle d'administrateur." in page_text(response)


def test_a_deactivated_user_is_signed_out_at_once(client, app):
    person = make_user()
    login(client, person)
    person.active = False
    db.session.commit()
    assert client.get("/mes-fiches").status_code == 302


def test_the_outbox_lists_messages_and_shows_them(client, app, outbox):
    login(client, make_user("admin"))
    post_form(
        client,
        "/admin/invitations",
        {"email": "nouveau@exemple.fr", "new_organisation": "CAMSP de Nancy"},
    )
    page = page_text(client.get("/admin/courriels"))
    assert "nouveau@exemple.fr" in page
    assert "Invitation à tenir votre fiche dans l'annuaire des dispositifs" in page
    [name] = [p.name for p in outbox.glob("*.eml")]
    message = page_text(client.get(f"/admin/courriels/{name}"))
    assert "CAMSP de Nancy" in message and "/invitation/" in message
    assert client.get("/admin/courriels/../../etc.eml").status_code == 404
    assert client.get("/admin/courriels/absent.eml").status_code == 404


def test_dashboard_lists_the_latest_changes_of_fiches(client, app):
    fiche = make_fiche(name="Fiche modifiée récemment")
    record_history(
        fiche,
        {"summary": ("avant", "après"), "phone": (None, "03 29 00 00 00")},
        Actor("Claire Martin"),
    )
    login(client, make_user("admin"))
    page = page_text(client.get("/admin/"))
    assert "Fiche modifiée récemment</a> — 2 champ(s) modifié(s) par Claire Martin" in page
