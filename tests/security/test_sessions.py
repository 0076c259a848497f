"""Sessions are revocable: sign-out and a new password end the copies of a session cookie."""

import re

from directory.accounts.mail import outbox_messages
from directory.extensions import db
from tests.builders import PASSWORD, csrf_token, login, logout, make_user, post_form

NEW_PASSWORD = "un-tout-nouveau-mot-de-passe"  # noqa: S105 - a test account's password


def _copy_session(source, target) -> None:
    """Give `target` the session cookie of `source`: what a thief of the cookie holds."""
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


def _signed_in(client) -> bool:
    with client.get("/mes-fiches") as response:
        return response.status_code == 200


def test_a_copied_cookie_dies_with_the_sign_out(app):
    user = make_user()
    owner, thief = app.test_client(), app.test_client()
    login(owner, user)
    _copy_session(owner, thief)
    assert _signed_in(thief)  # the copy works while the session lives
    logout(owner)
    assert not _signed_in(thief)
    with thief.get("/mes-fiches") as response:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/connexion")


def test_a_password_reset_elsewhere_ends_the_other_sessions(app, outbox):
    user = make_user(email="claire@exemple.fr")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    assert _signed_in(laptop)
    response = post_form(phone, "/mot-de-passe/oublie", {"email": user.email})
    assert response.status_code == 302
    [mail] = outbox_messages()
    path = re.search(r"https?://[^/\s]+(/mot-de-passe/\S+)", mail.body).group(1)
    response = phone.post(
        path,
        data={
            "csrf_token": csrf_token(phone, path),
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert _signed_in(phone)  # the session that chose the password goes on
    assert not _signed_in(laptop)


def test_changing_ones_password_keeps_this_session_and_ends_the_others(app):
    user = make_user()
    here, elsewhere = app.test_client(), app.test_client()
    login(here, user)
    login(elsewhere, user)
    response = post_form(
        here,
        "/mon-compte",
        {
            "name": user.name,
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert _signed_in(here)
    assert not _signed_in(elsewhere)


def test_a_session_from_before_the_migration_is_refused_not_an_error(app):
    """Cookies written before session versions held the bare id: they now mean anonymous."""
    user = make_user()
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
    assert not _signed_in(client)
