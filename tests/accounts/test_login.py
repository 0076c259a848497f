"""Signing in and out: one generic French message, CSRF, rate limit, audit trail."""

from sqlalchemy import select

from directory.accounts.models import AuditEvent
from directory.extensions import db
from tests.builders import PASSWORD, csrf_token, login, logout, make_user, page_text, post_form


def test_sign_in_lands_on_my_fiches_and_the_header_offers_sign_out(client, app):
    user = make_user(email="Camille@Exemple.fr")
    response = login(client, user)
    assert response.headers["Location"].endswith("/mes-fiches")
    page = page_text(client.get("/mes-fiches"))
    assert "Vous êtes connecté·e." in page
    assert "Se déconnecter" in page and "Mon compte" in page
    assert "Administration" not in page  # a membre is not an admin


def test_the_address_is_case_insensitive(client, app):
    user = make_user(email="dominique@exemple.fr")
    db.session.commit()
    response = post_form(
        client, "/connexion", {"email": "  Dominique@EXEMPLE.fr", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert user.email == "dominique@exemple.fr"


def test_wrong_password_and_unknown_address_get_the_same_french_message(client, app):
    make_user(email="claude@exemple.fr")
    db.session.commit()
    wrong = post_form(client, "/connexion", {"email": "claude@exemple.fr", "password": "non"})
    unknown = post_form(client, "/connexion", {"email": "x@exemple.fr", "password": "non"})
    assert wrong.status_code == unknown.status_code == 401
    message = "Adresse électronique ou mot de passe incorrect."
    assert message in page_text(wrong) and message in page_text(unknown)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed"))
    details = [e.details for e in events]
    assert [d["email"] for d in details] == ["claude@exemple.fr", "x@exemple.fr"]
    assert all("non" not in str(d.values()) for d in details)  # no password kept


def test_a_deactivated_account_cannot_sign_in(client, app):
    user = make_user(active=False)
    db.session.commit()
    response = post_form(client, "/connexion", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_a_form_without_its_csrf_token_is_refused(client, app):
    user = make_user()
    db.session.commit()
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Requête invalide" in page_text(response)


def test_sign_out_is_a_post_and_is_recorded(client, app):
    user = make_user()
    login(client, user)
    assert client.get("/deconnexion").status_code == 405
    response = logout(client)
    assert response.status_code == 302
    page = page_text(client.get("/"))
    assert "Vous êtes déconnecté·e." in page and "Se connecter" in page
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["login", "logout"]


def test_private_pages_send_anonymous_visitors_to_sign_in_and_back(client, app):
    response = client.get("/mes-fiches")
    assert response.status_code == 302
    assert "/connexion?next=" in response.headers["Location"]
    assert "Connectez-vous pour accéder à cette page." in page_text(client.get("/connexion"))
    user = make_user()
    db.session.commit()
    response = client.post(
        "/connexion?next=/mon-compte",
        data={"csrf_token": csrf_token(client), "email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/mon-compte"


def test_next_never_leaves_the_site(client, app):
    user = make_user()
    db.session.commit()
    response = client.post(
        "/connexion?next=//evil.example/x",
        data={"csrf_token": csrf_token(client), "email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/mes-fiches"


def test_repeated_failures_are_stopped_with_a_french_429(client, app):
    previous, app.config["LOGIN_RATE_LIMIT"] = app.config["LOGIN_RATE_LIMIT"], "3 per minute"
    try:
        user = make_user()
        db.session.commit()
        token = csrf_token(client)
        codes = []
        for _ in range(4):
            response = client.post(
                "/connexion", data={"csrf_token": token, "email": user.email, "password": "x"}
            )
            codes.append(response.status_code)
            last = page_text(response)
        assert codes == [401, 401, 401, 429]
        assert "Trop de tentatives" in last
    finally:
        app.config["LOGIN_RATE_LIMIT"] = previous


def test_successful_sign_ins_do_not_count_towards_the_limit(client, app):
    previous, app.config["LOGIN_RATE_LIMIT"] = app.config["LOGIN_RATE_LIMIT"], "2 per minute"
    try:
        user = make_user()
        for _ in range(3):
            login(client, user)
            logout(client)
    finally:
        app.config["LOGIN_RATE_LIMIT"] = previous
