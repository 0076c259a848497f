"""A live server on 127.0.0.1 with its own seeded database, and Debian's Chromium driven by
Playwright, with every request outside 127.0.0.1 blocked and recorded."""

import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from directory import create_app
from directory.extensions import db
from directory.fiches.seed import load_seed
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


@pytest.fixture
def offline_page(browser):
    context = browser.new_context(locale="fr-FR")
    page = OfflinePage(context.new_page())
    yield page
    context.close()
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
