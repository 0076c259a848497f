"""Behind a reverse proxy: X-Forwarded-* believed only when configured; sign-in limits per
address and per account, so that a stranger locks out neither everyone nor anyone."""

import pytest
from sqlalchemy import select

from directory.accounts.models import AuditEvent
from directory.core import security
from directory.extensions import db
from tests.builders import PASSWORD, csrf_token, make_user


@pytest.fixture
def behind_proxy(app):
    """The test app as deployed behind one proxy (DIRECTORY_PROXY_COUNT=1)."""
    wsgi_app, count = app.wsgi_app, app.config["PROXY_COUNT"]
    app.config["PROXY_COUNT"] = 1
    security.trust_proxies(app)
    yield app
    app.wsgi_app, app.config["PROXY_COUNT"] = wsgi_app, count


@pytest.fixture
def limits(app):
    """Small limits, restored afterwards: 3 failures per address, 5 per account."""
    keys = ("LOGIN_RATE_LIMIT", "LOGIN_ACCOUNT_RATE_LIMIT")
    previous = {k: app.config[k] for k in keys}
    app.config.update(LOGIN_RATE_LIMIT="3 per hour", LOGIN_ACCOUNT_RATE_LIMIT="5 per hour")
    yield
    app.config.update(previous)


def _attempt(client, email, password, ip=None):
    """POST the sign-in form as a browser at `ip` would, through the proxy."""
    headers = {"X-Forwarded-For": ip} if ip else {}
    token = csrf_token(client, "/connexion")
    response = client.post(
        "/connexion",
        data={"csrf_token": token, "email": email, "password": password},
        headers=headers,
    )
    response.close()
    return response.status_code


def _last_failure_ip() -> str:
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "login_failed").order_by(AuditEvent.id.desc())
    ).first()
    return event.details["ip"]


def test_without_a_configured_proxy_forwarded_headers_are_ignored(client, app):
    _attempt(client, "personne@exemple.fr", "x", ip="203.0.113.7")
    assert _last_failure_ip() == "127.0.0.1"
    with client.get("/", headers={"X-Forwarded-Proto": "https"}) as response:
        assert "Strict-Transport-Security" not in response.headers


def test_behind_a_configured_proxy_the_client_address_and_scheme_are_used(behind_proxy, client):
    _attempt(client, "personne@exemple.fr", "x", ip="203.0.113.7")
    assert _last_failure_ip() == "203.0.113.7"
    with client.get("/", headers={"X-Forwarded-Proto": "https"}) as response:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_stranger_behind_the_proxy_locks_out_only_themself(behind_proxy, limits, app):
    victim = make_user()
    db.session.commit()
    stranger, colleague = app.test_client(), app.test_client()
    codes = [_attempt(stranger, victim.email, "devine", ip="198.51.100.66") for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    # Everyone else comes through the same proxy, from their own address.
    assert _attempt(colleague, victim.email, PASSWORD, ip="203.0.113.10") == 302


def test_many_addresses_guessing_one_account_are_stopped(behind_proxy, limits, app):
    victim = make_user()
    other = make_user()
    db.session.commit()
    codes = []
    for n in range(6):  # a botnet: each address stays under its own limit
        codes.append(_attempt(app.test_client(), victim.email, "devine", ip=f"198.51.100.{n}"))
    assert codes == [401] * 5 + [429]
    # The account is protected; other accounts are not affected.
    assert _attempt(app.test_client(), other.email, PASSWORD, ip="203.0.113.11") == 302


def test_the_account_limit_ignores_the_case_of_the_address(behind_proxy, limits, app):
    victim = make_user(email="claire@exemple.fr")
    db.session.commit()
    spellings = ["claire@exemple.fr", "CLAIRE@exemple.fr", " Claire@Exemple.fr"] * 2
    codes = [
        _attempt(app.test_client(), email, "devine", ip=f"198.51.100.{n}")
        for n, email in enumerate(spellings)
    ]
    assert codes[-1] == 429
    assert victim.email == "claire@exemple.fr"


@pytest.mark.parametrize("value", ["-1", "un", "1.5"])
def test_a_wrong_proxy_count_refuses_to_start(make_app, value):
    with pytest.raises(RuntimeError, match="DIRECTORY_PROXY_COUNT"):
        make_app(PROXY_COUNT=value)
