"""Search fixtures: every search test runs on each engine (tantivy, then Whoosh).

`relevance_client` runs on a database of its own (a SQLite file, or a dedicated PostgreSQL
schema), built once per session: the real seed plus the fictional relevance corpus, and one index
per engine built from it. The other fixtures roll back per test and build their index from that
test's data.
"""

from pathlib import Path

import pytest

from directory import create_app
from directory.extensions import db
from directory.fiches.services import Actor
from directory.imports.seed import load_seed
from directory.imports.standard import import_records, read_records
from directory.search.backend import ENGINES, get_backend
from directory.territoires.services import load_reference
from tests.conftest import GEO_DIR, ROOT, separate_database

CORPUS = Path(__file__).resolve().parent / "corpus" / "fiches-pertinence.json"
RELEVANCE_SCHEMA = "search_relevance"


@pytest.fixture(scope="session", params=sorted(ENGINES, reverse=True))
def engine(request) -> str:
    """The search engine under test: "tantivy" (the default), then "whoosh"."""
    return request.param


@pytest.fixture(scope="session")
def relevance_database(tmp_path_factory) -> str:
    """The relevance database: real seed + relevance corpus, committed once."""
    from flask_migrate import upgrade

    url = separate_database(tmp_path_factory.mktemp("relevance-db"), RELEVANCE_SCHEMA)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "relevance",
            "SQLALCHEMY_DATABASE_URI": url,
            "TERRITOIRES_DIR": str(GEO_DIR),
            "SEARCH_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "directory" / "migrations"))
        load_reference(GEO_DIR)
        load_seed()
        import_records(read_records(CORPUS), Actor("test"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def relevance_app(relevance_database, engine, tmp_path_factory):
    """An application on the relevance database, its index built by the engine under test."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "relevance",
            "SQLALCHEMY_DATABASE_URI": relevance_database,
            "TERRITOIRES_DIR": str(GEO_DIR),
            "SEARCH_BACKEND": engine,
            "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp(f"relevance-index-{engine}")),
        }
    )
    with app.app_context():
        get_backend(app).rebuild(db.session)
        db.session.commit()
    yield app
    with app.app_context():
        get_backend(app).close()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def relevance_client(relevance_app):
    """The test client of the relevance application."""
    return relevance_app.test_client()


@pytest.fixture
def search_index(app, tmp_path, engine):
    """A fresh index folder for this test, of the engine under test; it sees only this test's
    data."""
    previous = app.config["SEARCH_INDEX_DIR"], app.config.get("SEARCH_BACKEND")
    app.config.update(SEARCH_INDEX_DIR=str(tmp_path / "index"), SEARCH_BACKEND=engine)
    app.extensions.pop("search", None)
    backend = get_backend(app)
    yield backend
    backend.close()
    app.extensions.pop("search", None)
    app.config["SEARCH_INDEX_DIR"], app.config["SEARCH_BACKEND"] = previous


@pytest.fixture
def indexed(seeded, search_index):
    """The real seed, with the index built from it."""
    search_index.rebuild(db.session)
    db.session.commit()
    return search_index
