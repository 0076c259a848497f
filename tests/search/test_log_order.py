"""On PostgreSQL, change-log ids are committed in order: a writer waits for the one before it.

Without that, a transaction that took id N and committed after id N+1 would be missed by every
index that had already applied N+1. (SQLite serialises writers itself.)
"""

import os
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from directory import create_app
from directory.extensions import db
from directory.fiches.models import Fiche
from directory.imports.seed import load_seed
from directory.search.models import SearchChange
from directory.territoires.services import load_reference
from tests.conftest import GEO_DIR, ROOT, separate_database

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL seulement"
)


def test_a_later_writer_waits_so_ids_follow_commit_order(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "order",
            "SQLALCHEMY_DATABASE_URI": separate_database(tmp_path, "search_log_order"),
            "TERRITOIRES_DIR": str(GEO_DIR),
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
            "SEARCH_ENABLED": False,  # the log only
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "directory" / "migrations"))
        load_reference(GEO_DIR)
        load_seed()
        db.session.commit()

        def change(slug: str):
            fiche = db.session.scalar(select(Fiche).where(Fiche.slug == slug))
            fiche.summary = f"{fiche.summary} (modifiée)"
            db.session.flush()

        def second_writer(done: threading.Event):
            with app.app_context():
                change("dac-54")
                db.session.commit()
                done.set()

        change("cra-lorraine")  # first transaction: logged, not committed yet
        done = threading.Event()
        thread = threading.Thread(target=second_writer, args=(done,))
        thread.start()
        assert not done.wait(1.0)  # the second writer waits for the first one's commit
        db.session.commit()
        thread.join(timeout=30)
        assert done.is_set()
        ids = db.session.execute(
            select(SearchChange.id, SearchChange.document).order_by(SearchChange.id.desc()).limit(2)
        ).all()
        first = db.session.scalar(select(Fiche.id).where(Fiche.slug == "cra-lorraine"))
        second = db.session.scalar(select(Fiche.id).where(Fiche.slug == "dac-54"))
        assert [document for _, document in ids] == [f"fiche:{second}", f"fiche:{first}"]
        db.session.remove()
        db.engine.dispose()
