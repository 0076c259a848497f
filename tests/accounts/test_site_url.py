"""Links in e-mails are built on the configured site URL, never on the request's Host header
(the reset-link takeover), and in production the app answers only its trusted hosts."""

import logging
import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from directory import create_app
from directory.accounts.mail import outbox_messages
from directory.accounts.models import Invitation, ReminderSent
from directory.extensions import db
from tests.builders import login, make_fiche, make_org, make_user, page_text, post_form
from tests.conftest import PRODUCTION_SECRET_KEY
from tests.conftest import test_config as app_config

EVIL = "evil.example"
SITE = "https://annuaire.test"  # the tests' SITE_URL (tests/conftest.py)


class HostClient(FlaskClient):
    """A test client whose every request carries the given Host header."""

    host = EVIL

    def open(self, *args, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Host"] = self.host
        return super().open(*args, headers=headers, **kwargs)


def _client_on(app, host: str = EVIL) -> FlaskClient:
    client = HostClient(app, app.response_class, use_cookies=True)
    client.host = host
    return client


def _links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def test_a_reset_requested_on_a_forged_host_mails_a_link_on_the_site_url(app, outbox):
    user = make_user(email="membre@exemple.fr")
    db.session.commit()
    attacker = _client_on(app)
    response = post_form(attacker, "/mot-de-passe/oublie", {"email": user.email})
    assert response.status_code == 302
    [mail] = outbox_messages()
    assert mail.to == "membre@exemple.fr"
    [link] = _links(mail.body)
    assert link.startswith(SITE + "/mot-de-passe/")
    assert EVIL not in mail.body
    # The link works: it opens the page to choose a new password on the real site.
    assert "nouveau mot de passe" in page_text(app.test_client().get(link)).lower()


def test_an_invitation_sent_from_a_forged_host_carries_a_link_on_the_site_url(app, outbox):
    admin = make_user("admin")
    attacker = _client_on(app)
    login(attacker, admin)
    response = post_form(
        attacker,
        "/admin/invitations",
        {"email": "service@exemple.fr", "organisation_id": "", "new_organisation": "Les Tilleuls"},
    )
    assert response.status_code == 302
    [mail] = outbox_messages()
    [link] = _links(mail.body)
    assert link.startswith(SITE + "/invitation/")
    assert EVIL not in mail.body


def test_the_site_url_may_have_a_path_and_commands_use_it_too(make_app, outbox):
    other = make_app(SITE_URL="https://exemple.fr/annuaire/")
    user = make_user(email="chemin@exemple.fr")
    db.session.commit()
    post_form(_client_on(other), "/mot-de-passe/oublie", {"email": user.email})
    [mail] = outbox_messages()
    [link] = _links(mail.body)
    assert link.startswith("https://exemple.fr/annuaire/mot-de-passe/")


def test_development_defaults_to_the_local_server_of_make_run(make_app, outbox):
    development = make_app()
    user = make_user(email="dev@exemple.fr")
    db.session.commit()
    post_form(_client_on(development), "/mot-de-passe/oublie", {"email": user.email})
    [mail] = outbox_messages()
    [link] = _links(mail.body)
    assert link.startswith("http://127.0.0.1:5000/mot-de-passe/")


def test_production_answers_only_its_trusted_hosts(make_app):
    production = make_app(ENV="production", SITE_URL="https://annuaire.example.fr")
    assert production.config["TRUSTED_HOSTS"] == ["annuaire.example.fr"]
    forged = _client_on(production).get("/")
    assert forged.status_code == 400
    assert "Cette adresse n'est pas celle de l'annuaire" in page_text(forged)
    real = production.test_client().get("/", headers={"Host": "annuaire.example.fr"})
    assert real.status_code == 200
    # The reset attack stops at the door: nothing is sent.
    post = _client_on(production).post("/mot-de-passe/oublie", data={"email": "x@y.fr"})
    assert post.status_code == 400


def test_trusted_hosts_can_be_listed_in_one_variable(make_app):
    production = make_app(
        ENV="production",
        SITE_URL="https://annuaire.example.fr",
        TRUSTED_HOSTS="annuaire.example.fr, annuaire-interne.example.fr",
    )
    client = production.test_client()
    assert client.get("/", headers={"Host": "annuaire-interne.example.fr"}).status_code == 200
    assert client.get("/", headers={"Host": EVIL}).status_code == 400


def test_production_without_site_url_refuses_to_mail_a_link(make_app, outbox, caplog):
    production = make_app(ENV="production", TRUSTED_HOSTS=["annuaire.example.fr"])
    user = make_user(email="membre@exemple.fr")
    admin = make_user("admin")
    db.session.commit()
    client = _client_on(production, host="annuaire.example.fr")
    with caplog.at_level(logging.ERROR):
        response = post_form(client, "/mot-de-passe/oublie", {"email": user.email})
    assert response.status_code == 503
    assert "Adresse du site non configurée (DIRECTORY_SITE_URL)" in page_text(response)
    assert "Adresse du site non configurée" in caplog.text
    # An unknown address gets the same answer: the refusal tells nothing about accounts.
    unknown = post_form(client, "/mot-de-passe/oublie", {"email": "personne@exemple.fr"})
    assert unknown.status_code == 503

    login(client, admin)
    invited = post_form(
        client,
        "/admin/invitations",
        {"email": "service@exemple.fr", "organisation_id": "", "new_organisation": "Les Tilleuls"},
    )
    assert invited.status_code == 503
    assert "Adresse du site non configurée" in page_text(invited)
    assert outbox_messages() == []
    assert db.session.scalars(select(Invitation)).all() == []  # nothing half-written


def test_reminders_without_site_url_in_production_fail_with_a_french_message(make_app, outbox):
    production = make_app(ENV="production", TRUSTED_HOSTS=["annuaire.example.fr"])
    organisation = make_org("Plateforme de répit")
    make_user(email="editeur@exemple.fr", organisations=[organisation])
    make_fiche(
        porteurs=[organisation],
        verified_on=date.today() - timedelta(days=400),
        verification_months=12,
    )
    db.session.commit()
    result = production.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 1
    assert "Adresse du site non configurée (DIRECTORY_SITE_URL)" in result.output
    assert outbox_messages() == []
    assert db.session.scalars(select(ReminderSent)).all() == []


def test_reminders_link_to_the_site_url(runner, app, outbox):
    organisation = make_org("Plateforme de répit")
    make_user(email="editeur@exemple.fr", organisations=[organisation])
    make_fiche(porteurs=[organisation], verified_on=date.today() - timedelta(days=400))
    db.session.commit()
    runner.invoke(args=["reminders", "send"])
    [mail] = outbox_messages()
    assert _links(mail.body) == [SITE + "/mes-fiches"]


def test_production_without_any_address_refuses_to_start(app, tmp_path):
    config = app_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    with pytest.raises(RuntimeError, match="DIRECTORY_SITE_URL"):
        create_app(
            config | {"ENV": "production", "SITE_URL": None, "SECRET_KEY": PRODUCTION_SECRET_KEY}
        )
