"""A live server on 127.0.0.1 with its own seeded database, and Debian's Chromium driven by
Playwright, with every request outside 127.0.0.1 blocked and recorded."""

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from directory import create_app
from directory.extensions import db
from directory.imports.seed import load_seed
from directory.territoires.services import load_reference
from tests.conftest import GEO_DIR, ROOT, separate_database

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
BROWSER_SCHEMA = "browser_tests"
OUTBOX = "browser-outbox"  # mail of the live server, read by tests (under pytest's basetemp)
LIVE_APP: dict = {}


class ClosedFiles:
    """Hand the server whole bodies, files already closed.

    When the browser drops a connection (it navigates on while a script or the favicon is still
    coming), werkzeug's development server can fail before closing the response: the static
    file stays open and a ResourceWarning fails a later, unrelated test.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        iterable = self.app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from flask_migrate import upgrade

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser",
            "SQLALCHEMY_DATABASE_URI": separate_database(
                tmp_path_factory.mktemp("browser-db"), BROWSER_SCHEMA
            ),
            "TERRITOIRES_DIR": str(GEO_DIR),
            "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp("browser-search")),
            "OUTBOX_DIR": str(tmp_path_factory.getbasetemp() / OUTBOX),
        }
    )
    LIVE_APP["app"] = app  # tests that need an admin create it with the app's own CLI
    with app.app_context():
        upgrade(directory=str(ROOT / "directory" / "migrations"))
        load_reference(GEO_DIR)
        load_seed()
        db.session.commit()
    server = make_server("127.0.0.1", 0, ClosedFiles(app), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["SITE_URL"] = url  # links in e-mails lead to this server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium absent : `make test` l'installe (paquet Debian chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class OfflinePage:
    """A page whose requests outside 127.0.0.1 are blocked and listed in `outside`, and whose
    Content-Security-Policy violations (what the policy refused to run or apply) are listed in
    `csp_violations`."""

    def __init__(self, page):
        self.page = page
        self.requested: list[str] = []
        self.outside: list[str] = []
        self.csp_violations: list[str] = []
        page.route("**/*", self._route)
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def _route(self, route):
        url = route.request.url
        self.requested.append(url)
        host = urlsplit(url).hostname
        if url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


def close_quietly(context) -> None:
    """Close a browser context once its pages are idle: a request cut off mid-response would
    leave the live server's file of a static asset to the garbage collector (ResourceWarning)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for page in context.pages:
        try:
            page.wait_for_load_state("networkidle", timeout=5000)
        except PlaywrightTimeout:
            pass  # still close: the wait only makes the cut-off less likely
    context.close()


@pytest.fixture
def offline_page(browser):
    context = browser.new_context(locale="fr-FR")
    page = OfflinePage(context.new_page())
    yield page
    close_quietly(context)
    # Every browser test runs under the real CSP: anything it refused is a broken page.
    assert page.csp_violations == [], "\n".join(page.csp_violations)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def sign_in(page, live_server: str, email: str, password: str) -> None:
    """Sign in through the real form, as a person would."""
    page.goto(live_server + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


@dataclass
class LivePeople:
    """People and links of the live server, for pages behind a sign-in or a token."""

    emails: dict[str, str]  # role → e-mail address (password: PEOPLE_PASSWORD)
    draft_slug: str
    edited_slug: str
    user_id: int
    invitation_token: str
    reset_token: str


PEOPLE_PASSWORD = "mot-de-passe-des-essais"  # noqa: S105 - a test account on a throwaway database
EDITED_SLUG = "cra-lorraine"  # the éditeur's published fiche (it has a territory map)


@pytest.fixture(scope="session")
def live_people(live_server) -> LivePeople:
    """An admin, an éditeur of the CRA Lorraine (with a draft of its own), a pending
    invitation, a reset link and one e-mail in the outbox, made with the app's own services."""
    from directory.accounts import services
    from directory.accounts.mail import send_mail
    from directory.accounts.models import Role
    from directory.fiches.models import Fiche
    from tests.builders import make_fiche

    app = LIVE_APP["app"]
    emails = {"editeur": "editrice.essais@exemple.fr", "admin": "admin.essais@exemple.fr"}
    with app.test_request_context():
        fiche = db.session.scalar(select(Fiche).where(Fiche.slug == EDITED_SLUG))
        organisation = fiche.porteurs[0]
        admin = services.create_user(emails["admin"], PEOPLE_PASSWORD, "Alix Admin", Role.ADMIN)
        editor = services.create_user(emails["editeur"], PEOPLE_PASSWORD, "Édith Éditrice")
        services.add_membership(admin, editor, organisation)
        draft = make_fiche("brouillon", porteurs=[organisation], name="Brouillon des essais")
        invitation = services.invite(admin, "invitee.essais@exemple.fr", organisation)
        people = LivePeople(
            emails=emails,
            draft_slug=draft.slug,
            edited_slug=EDITED_SLUG,
            user_id=editor.id,
            invitation_token=services.invitation_token(invitation),
            reset_token=services.reset_token(editor),
        )
        send_mail(editor.email, "Message des essais", "Bonjour,\n\nUn message de la boîte d'envoi.")
        _visitor_report(fiche)
        db.session.commit()
    return people


def _visitor_report(fiche) -> None:
    """A proposal waiting on the éditeur's fiche, so its review page has one to show."""
    from directory.imports.reports import report

    report(fiche, "horaires", "Ouvert le samedi matin", "visiteur.essais@exemple.fr")


@pytest.fixture(scope="session")
def storage_states(browser, live_server, live_people):
    """Sign each role in once through the real sign-in form; reuse its cookies afterwards."""
    states: dict[str, dict | None] = {"anonyme": None}

    def state(role: str):
        if role not in states:
            context = browser.new_context(locale="fr-FR")
            page = context.new_page()
            page.goto(live_server + "/connexion")
            page.get_by_label("Adresse électronique").fill(live_people.emails[role])
            page.get_by_label("Mot de passe").fill(PEOPLE_PASSWORD)
            page.get_by_role("button", name="Se connecter").click()
            page.wait_for_url("**/mes-fiches")
            states[role] = context.storage_state()
            close_quietly(context)
        return states[role]

    return state


@pytest.fixture
def page_as(browser, storage_states):
    """Open an offline page signed in as a role (anonyme, editeur, admin)."""
    opened = []

    def open_page(role: str = "anonyme") -> OfflinePage:
        context = browser.new_context(locale="fr-FR", storage_state=storage_states(role))
        page = OfflinePage(context.new_page())
        opened.append((context, page))
        return page

    yield open_page
    for context, page in opened:
        close_quietly(context)
        assert page.csp_violations == [], "\n".join(page.csp_violations)
