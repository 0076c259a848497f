"""Small builders for tests that need people, organisations and fiches, and signing in."""

import html
import re
from itertools import count

from flask import g
from werkzeug.security import generate_password_hash

from directory.accounts.models import Membership, Role, User
from directory.extensions import db, limiter
from directory.fiches import referentiels
from directory.fiches.models import Contact, Fiche, Statut, Visibility
from directory.organisations.models import Organisation

PASSWORD = "mot-de-passe-de-test"  # noqa: S105 - the test accounts' password
_hash: dict[str, str] = {}
_numbers = count(1)


def _password_hash(password: str) -> str:
    # scrypt is slow on purpose: hash the shared test password once per run.
    if password not in _hash:
        _hash[password] = generate_password_hash(password, method="scrypt")
    return _hash[password]


def make_org(name: str | None = None) -> Organisation:
    """Create an organisation (a porteur)."""
    n = next(_numbers)
    organisation = Organisation(slug=f"organisation-test-{n}", name=name or f"Organisation {n}")
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_user(
    role: str = "membre",
    *,
    email: str | None = None,
    name: str = "",
    organisations=(),
    active: bool = True,
    password: str = PASSWORD,
) -> User:
    """Create a user with a global role and éditeur memberships of the given organisations."""
    n = next(_numbers)
    user = User(
        email=email or f"personne{n}@exemple.fr",
        name=name or f"Personne {n}",
        role=Role(role),
        active=active,
        password_hash=_password_hash(password),
    )
    user.memberships = [Membership(organisation=o) for o in organisations]
    db.session.add(user)
    db.session.flush()
    return user


def make_fiche(status: str = "publiee", porteurs=(), name: str | None = None, **fields) -> Fiche:
    """Create a minimal fiche of the first type of the référentiel."""
    n = next(_numbers)
    name = name or f"Dispositif de test {n}"
    fiche = Fiche(
        slug=f"dispositif-test-{n}",
        name=name,
        type_code=fields.pop("type_code", None) or referentiels.types()[0].code,
        status=Statut(status),
        summary=f"Résumé de {name}",
        missions="Coordonner les parcours.",
        porteurs=list(porteurs),
        **fields,
    )
    db.session.add(fiche)
    db.session.flush()
    return fiche


def add_contact(fiche: Fiche, name: str, visibility: str = "membres", **fields) -> Contact:
    contact = Contact(fiche=fiche, name=name, visibility=Visibility(visibility), **fields)
    db.session.add(contact)
    db.session.flush()
    return contact


def csrf_token(client, url: str = "/mot-de-passe/oublie") -> str:
    """Return the CSRF token of the client's session, read from a page with a form."""
    # Requests share the test's app context, hence `g`, where Flask-WTF caches the token of
    # whichever client asked first: forget it so that each client gets its own.
    g.pop("csrf_token", None)
    response = client.get(url)
    html = response.get_data(as_text=True)
    response.close()
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"pas de jeton CSRF sur {url}"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, **kwargs):
    """POST a form with the session's CSRF token, as a browser would."""
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)


def login(client, user: User, password: str = PASSWORD):
    """Sign in through the real sign-in form."""
    db.session.commit()  # the test's rows must be visible to the request
    response = post_form(client, "/connexion", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def logout(client):
    return post_form(client, "/deconnexion")


def reset_limits() -> None:
    """Forget the rate limiter's counters (they live in memory for the whole run)."""
    limiter.reset()


def page_text(response) -> str:
    """Return the response body with HTML entities decoded, and close the response."""
    body = html.unescape(response.get_data(as_text=True))
    response.close()
    return body


def sign_in_session(client, user: User) -> None:
    """Sign in by writing Flask-Login's session keys: for grids of many requests.

    The sign-in form itself is tested in tests/accounts/test_login.py.
    """
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
