"""Two worker processes writing to the index at once: the second waits, nothing is lost."""

import multiprocessing

import pytest

from directory import create_app
from directory.extensions import db
from directory.imports.seed import load_seed
from directory.search.backend import SearchRequest, get_backend
from directory.search.replica import last_change
from directory.territoires.services import load_reference
from tests.conftest import GEO_DIR, ROOT, separate_database
from tests.search.workers import change_summary

SCHEMA = "search_workers"


@pytest.fixture
def shared_config(tmp_path, engine):
    """A committed database and an index that several processes share."""
    from flask_migrate import upgrade

    config = {
        "TESTING": True,
        "SECRET_KEY": "workers",
        "SQLALCHEMY_DATABASE_URI": separate_database(tmp_path, SCHEMA),
        "TERRITOIRES_DIR": str(GEO_DIR),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "SEARCH_BACKEND": engine,
    }
    app = create_app(config)
    with app.app_context():
        upgrade(directory=str(ROOT / "directory" / "migrations"))
        load_reference(GEO_DIR)
        load_seed()
        db.session.commit()
        get_backend(app).rebuild(db.session)
        db.session.commit()
        get_backend(app).close()
        db.session.remove()
        db.engine.dispose()
    return config


def test_two_processes_writing_at_once_lose_nothing(shared_config):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [
        context.Process(target=change_summary, args=(shared_config, slug, word, barrier))
        for slug, word in (("cra-lorraine", "tamanoir"), ("dac-54", "pangolin"))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0]

    app = create_app(shared_config)
    with app.app_context():
        backend = get_backend(app)
        try:
            tamanoir = backend.search(SearchRequest(q="tamanoir"))
            pangolin = backend.search(SearchRequest(q="pangolin"))
            assert [h.slug for h in tamanoir.hits] == ["cra-lorraine"]
            assert [h.slug for h in pangolin.hits] == ["dac-54"]
            assert backend.applied() == last_change(db.session)
            assert not backend.is_stale(db.session)
        finally:
            backend.close()
            db.session.remove()
            db.engine.dispose()
