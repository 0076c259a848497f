"""Fixtures: one migrated database per run (SQLite file, or PostgreSQL when TEST_DATABASE_URL is
set) with the geography and référentiels loaded; each test runs in a transaction rolled back at
its end, so tests never see each other's writes."""

import os
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from directory import create_app
from directory.core import cache
from directory.extensions import db
from directory.fiches import referentiels
from directory.imports.seed import load_seed
from directory.territoires.services import load_reference
from tests.builders import reset_limits

ROOT = Path(__file__).resolve().parents[1]
GEO_DIR = ROOT / "instance" / "territoires"


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL")
    return f"base de test : {'PostgreSQL ' + url if url else 'SQLite'}"


def reset_postgres_schema(url: str) -> None:
    """Start the PostgreSQL run from an empty public schema."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def separate_database(folder: Path, name: str) -> str:
    """Return the URL of a database of its own: a SQLite file in `folder`, or a fresh
    PostgreSQL schema `name` when TEST_DATABASE_URL is set (for live servers and processes that
    cannot share the tests' rolled-back transaction)."""
    from sqlalchemy import create_engine

    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(folder) / f"{name}.sqlite3")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{name}"


def test_config(database_url: str, tmp: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TERRITOIRES_DIR": str(GEO_DIR),
        "SERVER_NAME": None,
        "SEARCH_INDEX_DIR": str(tmp / "search"),  # never the developer's instance/search
        "SITE_URL": "https://annuaire.test",  # links in e-mails (never the request's Host)
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        reset_postgres_schema(url)
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    if not (GEO_DIR / "communes.json").exists():
        pytest.exit("Géographie absente : lancez `make geo` (ou `make test`).", returncode=2)
    app = create_app(test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade(directory=str(ROOT / "directory" / "migrations"))
        load_reference(GEO_DIR)
        referentiels.load_referentiels()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_app):
    """The application, inside an app context whose database writes are rolled back."""
    cache.clear(_app)  # what another test's requests kept
    with _app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        engines[None] = connection
        try:
            yield _app
        finally:
            db.session.remove()
            transaction.rollback()
            connection.close()
            engines[None] = engine


# Long enough for production (directory.core.security.check_secret_key).
PRODUCTION_SECRET_KEY = "test-secret-key-" + "x" * 32


@pytest.fixture
def make_app(app, tmp_path):
    """Build another app (production, another SITE_URL…) on the test's rolled-back connection."""
    connection = db.engines[None]  # the `app` fixture bound it to the test's transaction
    made = []

    def make(**config):
        other = create_app(
            test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
            | {
                "OUTBOX_DIR": app.config.get("OUTBOX_DIR"),
                "SITE_URL": None,
                "SECRET_KEY": PRODUCTION_SECRET_KEY,
            }
            | config
        )
        context = other.app_context()
        context.push()
        made.append((context, db.engines[None]))
        db.engines[None] = connection
        return other

    yield make
    for context, engine in reversed(made):
        db.session.remove()
        db.engines[None] = engine
        engine.dispose()
        context.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeded(app):
    """The real seed, loaded inside the test's transaction."""
    report = load_seed()
    db.session.commit()
    return report


@pytest.fixture
def outbox(app, tmp_path):
    """Write e-mails to a temporary folder; return it."""
    folder = tmp_path / "outbox"
    previous = app.config.get("OUTBOX_DIR")
    app.config["OUTBOX_DIR"] = str(folder)
    reset_limits()
    yield folder
    app.config["OUTBOX_DIR"] = previous
    reset_limits()


@pytest.fixture
def fresh_search_index(app, tmp_path):
    """Give each test an empty search index, so that fiches committed (then rolled back) by
    another test cannot show up in this one's results."""
    if "SEARCH_INDEX_DIR" not in app.config and "search" not in app.blueprints:
        yield None
        return
    from directory.search.backend import get_backend

    previous = app.config.get("SEARCH_INDEX_DIR")
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    app.extensions.pop("search", None)
    backend = get_backend(app)
    yield backend
    backend.close()
    app.extensions.pop("search", None)
    app.config["SEARCH_INDEX_DIR"] = previous
