"""Faults of a real deployment: a gunicorn worker killed (SIGKILL) in the middle of a save leaves
the fiche old or new, whole; PostgreSQL stopped under a running app gives the French « try
again » page (503), and the same processes serve again once it is back."""

import html
import os
import random
import signal
import sqlite3
import threading
import time

import pytest
import requests
from sqlalchemy import create_engine, func, select, text

from directory import messages
from directory.accounts.models import AuditEvent
from directory.extensions import db
from directory.fiches.models import Fiche, FicheHistory
from tests.builders import PASSWORD, make_user
from tests.conftest import separate_database
from tests.servers import Visitor, gunicorn, seeded_app, server_environment

SCHEMA = "faults"
NEW_COMMUNES = ("57463", "54395", "88160", "67482", "51454", "10387", "68224", "08105")
KILLS = 6  # saves killed at random moments, before or after their commit


# --- A worker killed in the middle of a save ----------------------------------------------


@pytest.fixture
def one_worker(tmp_path):
    """A seeded database of its own, an admin, and gunicorn with one worker (the one to kill)."""
    url = separate_database(tmp_path, SCHEMA)
    app = seeded_app(url, tmp_path)
    with app.app_context():
        email = make_user("admin").email
        slug = db.session.scalars(select(Fiche.slug).order_by(Fiche.id)).first()
        db.session.commit()
    with gunicorn(server_environment(url, tmp_path), tmp_path / "gunicorn.log", workers=1) as s:
        yield {"app": app, "server": s, "url": url, "email": email, "slug": slug}
    with app.app_context():
        db.engine.dispose()


def _snapshot(app, slug: str) -> dict:
    """What the database holds of a fiche: its row, its rows of other tables, its history."""
    with app.app_context():
        fiche = db.session.scalar(select(Fiche).where(Fiche.slug == slug))
        state = {
            "version": fiche.version,
            "summary": fiche.summary,
            "contacts": sorted(c.name for c in fiche.contacts),
            "territories": sorted((t.level, t.code) for t in fiche.territories),
            "history": db.session.scalar(
                select(func.count()).where(FicheHistory.fiche_id == fiche.id)
            ),
            "audit": db.session.scalar(
                select(func.count()).where(
                    AuditEvent.target_type == "fiche", AuditEvent.target_id == str(fiche.id)
                )
            ),
        }
        db.session.remove()
    return state


def _changed_form(visitor: Visitor, slug: str, word: str) -> dict:
    """The edit form with a new summary, a new contact and eight more communes."""
    form = visitor.edit_form(slug)
    form["resume"] = f"Résumé {word}, écrit d'un seul coup."
    free = next(i for i in range(50) if not form.get(f"contacts-{i}-nom"))
    form.update(
        {f"contacts-{free}-nom": f"Contact {word}", f"contacts-{free}-visibilite": "public"}
    )
    first = next(i for i in range(200) if not form.get(f"communes-{i}"))
    form.update({f"communes-{first + i}": code for i, code in enumerate(NEW_COMMUNES)})
    return form


def _is_whole(state: dict, before: dict, word: str) -> str:
    """Return "old" or "new" when the fiche is one of them whole; fail otherwise."""
    if state == before:
        return "old"
    assert state["version"] == before["version"] + 1, state
    assert state["summary"] == f"Résumé {word}, écrit d'un seul coup.", state
    assert f"Contact {word}" in state["contacts"], state
    assert {("commune", c) for c in NEW_COMMUNES} <= set(state["territories"]), state
    assert state["history"] > before["history"] and state["audit"] == before["audit"] + 1
    return "new"


def _stopped(pid: int) -> None:
    """Wait until a process received SIGSTOP is really stopped."""
    for _ in range(1000):
        with open(f"/proc/{pid}/stat") as handle:
            if handle.read().rsplit(")", 1)[1].split()[0] in "tT":
                return
        time.sleep(0.0005)


def _writing(live, worker: int) -> bool:
    """Tell whether the (stopped) worker is inside a transaction that wrote or may write."""
    url = live["url"]
    if url.startswith("sqlite"):
        probe = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True  # the worker holds the write lock: its save is under way
        finally:
            if probe.in_transaction:
                probe.execute("ROLLBACK")
            probe.close()
        return False
    engine = create_engine(url)
    with engine.connect() as connection:
        # A backend other than this one holds row-write locks in our schema: it has written.
        found = connection.execute(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE l.mode = 'RowExclusiveLock' AND n.nspname = :schema "
                "AND l.pid <> pg_backend_pid()"
            ),
            {"schema": SCHEMA},
        ).scalar()
    engine.dispose()
    return bool(found)


def _save_in_background(visitor: Visitor, slug: str, form: dict) -> threading.Thread:
    def run():
        try:
            visitor.save(slug, form)
        except requests.RequestException:
            pass  # the worker died under it

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_worker_killed_in_the_middle_of_a_save_leaves_the_old_fiche_whole(one_worker):
    live, slug = one_worker, one_worker["slug"]
    server = live["server"]
    editor = Visitor(server.url)
    editor.login(live["email"], PASSWORD)
    killed_mid_save = 0
    for attempt in range(30):
        word = f"essai-{attempt}"
        form = _changed_form(editor, slug, word)
        before = _snapshot(live["app"], slug)
        (worker,) = server.worker_pids()
        thread = _save_in_background(editor, slug, form)
        while thread.is_alive():
            os.kill(worker, signal.SIGSTOP)
            _stopped(worker)
            if _writing(live, worker):
                os.kill(worker, signal.SIGKILL)
                killed_mid_save += 1
                break
            os.kill(worker, signal.SIGCONT)
            time.sleep(random.uniform(0, 0.003))  # noqa: S311 - a random pause, not a secret
        thread.join(timeout=60)
        if killed_mid_save:
            server.wait_ready(exclude=(worker,))
            assert _snapshot(live["app"], slug) == before  # nothing of the save was kept
            break
        _is_whole(_snapshot(live["app"], slug), before, word)  # this save went through
    assert killed_mid_save, "aucune sauvegarde n'a pu être interrompue en cours d'écriture"

    # The new worker saves, and the visitors see the fiche as saved.
    form = _changed_form(editor, slug, "après")
    before = _snapshot(live["app"], slug)
    assert editor.save(slug, form).status_code == 302
    assert _is_whole(_snapshot(live["app"], slug), before, "après") == "new"
    page = html.unescape(Visitor(server.url).get(f"/fiches/{slug}").text)
    assert "Résumé après, écrit d'un seul coup." in page


def test_workers_killed_at_any_moment_of_saves_leave_each_fiche_old_or_new(one_worker):
    live, slug = one_worker, one_worker["slug"]
    server = live["server"]
    editor = Visitor(server.url)
    editor.login(live["email"], PASSWORD)
    start = time.perf_counter()
    assert editor.save(slug, _changed_form(editor, slug, "mesure")).status_code == 302
    took = time.perf_counter() - start
    outcomes = []
    rng = random.Random(11)  # noqa: S311 - reproducible kill times
    for round_ in range(KILLS):
        word = f"tour-{round_}"
        form = _changed_form(editor, slug, word)
        before = _snapshot(live["app"], slug)
        (worker,) = server.worker_pids()
        thread = _save_in_background(editor, slug, form)
        time.sleep(rng.uniform(0, took * 1.5))
        os.kill(worker, signal.SIGKILL)
        thread.join(timeout=60)
        server.wait_ready(exclude=(worker,))
        outcomes.append(_is_whole(_snapshot(live["app"], slug), before, word))
    assert len(outcomes) == KILLS


# --- PostgreSQL stopped and started again under a running app ------------------------------


def _unavailable(response: requests.Response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    if response.headers["Content-Type"].startswith("application/"):
        assert response.json()["message"] == messages.DATABASE_UNAVAILABLE
    else:
        assert messages.DATABASE_UNAVAILABLE in html.unescape(response.text)
        assert "<html" in response.text and "Internal Server Error" not in response.text


def test_postgresql_stopped_then_restarted_under_the_running_app(cluster, tmp_path):
    app = seeded_app(cluster.url, tmp_path)
    with app.app_context():
        email = make_user("admin").email
        slug = db.session.scalars(select(Fiche.slug).order_by(Fiche.id)).first()
        db.session.commit()
        db.engine.dispose()
    pages = ("/", f"/fiches/{slug}", "/fiches", "/carte/fiches.geojson", "/qui-intervient")
    with gunicorn(server_environment(cluster.url, tmp_path), tmp_path / "gunicorn.log") as server:
        editor, visitor = Visitor(server.url), Visitor(server.url)
        editor.login(email, PASSWORD)
        for path in pages:
            assert visitor.get(path).status_code == 200, path
        form = editor.edit_form(slug)
        form["resume"] = "Résumé écrit pendant la panne."
        workers = sorted(server.worker_pids())

        cluster.stop()
        for path in pages:
            _unavailable(visitor.get(path))
        _unavailable(editor.get(f"/fiches/{slug}/modifier"))
        _unavailable(editor.save(slug, form))

        cluster.start()
        for path in pages:
            assert visitor.get(path).status_code == 200, path
        assert "Résumé écrit pendant la panne." not in html.unescape(visitor.get(pages[1]).text)
        after = editor.edit_form(slug) | {"resume": "Après la panne."}
        assert editor.save(slug, after).status_code == 302
        assert "Après la panne." in html.unescape(visitor.get(pages[1]).text)
        assert sorted(server.worker_pids()) == workers  # the same processes, not restarted
        assert server.process.poll() is None
