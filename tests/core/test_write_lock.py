"""On SQLite, a save takes the write lock when it begins and pages that only read never ask for
it: a held lock leaves every page readable, makes a save wait, then fail cleanly (503, nothing
written) once the busy timeout is spent; the same save succeeds when the lock is free."""

import html
import sqlite3

import pytest
from sqlalchemy import select

from directory import messages
from directory.extensions import db
from directory.fiches.models import Fiche
from tests.builders import PASSWORD, make_user
from tests.servers import Visitor, gunicorn, seeded_app, server_environment


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A SQLite file whatever the suite's database (this is SQLite's own locking), an admin and
    gunicorn with a one-second busy timeout."""
    tmp = tmp_path_factory.mktemp("write-lock")
    path = tmp / "lock.sqlite3"
    app = seeded_app(f"sqlite:///{path}", tmp)
    with app.app_context():
        admin = make_user("admin")
        slug = db.session.scalars(select(Fiche.slug).order_by(Fiche.id)).first()
        email = admin.email
        db.session.commit()
        db.engine.dispose()
    env = server_environment(f"sqlite:///{path}", tmp, DIRECTORY_SQLITE_BUSY_TIMEOUT="1")
    with gunicorn(env, tmp / "gunicorn.log") as server:
        yield {"server": server, "path": path, "slug": slug, "email": email}


def _summary(path, slug: str) -> str:
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT summary FROM fiches WHERE slug = ?", (slug,)).fetchone()
    return row[0]


def test_a_held_write_lock_leaves_pages_readable_and_refuses_a_save_cleanly(live):
    server, slug = live["server"], live["slug"]
    editor = Visitor(server.url)
    editor.login(live["email"], PASSWORD)
    form = editor.edit_form(slug)
    before = _summary(live["path"], slug)
    form["resume"] = "Résumé écrit pendant qu'un autre écrivain tient la base."

    holder = sqlite3.connect(live["path"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, e.g. a long command
    try:
        for path in ("/", f"/fiches/{slug}", "/fiches", "/carte/fiches.geojson", "/types"):
            assert Visitor(server.url).get(path).status_code == 200, path
        assert editor.get(f"/fiches/{slug}/modifier").status_code == 200

        refused = editor.save(slug, form)
        assert refused.status_code == 503
        assert refused.headers["Retry-After"]
        assert messages.DATABASE_UNAVAILABLE in html.unescape(refused.text)
        assert "Internal Server Error" not in refused.text
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _summary(live["path"], slug) == before

    saved = editor.save(slug, form)
    assert saved.status_code == 302
    assert _summary(live["path"], slug) == form["resume"]
