"""Faults between the database and the index: a process killed right after a commit, a damaged
index folder. The database is the truth; the index catches up from the change log."""

import http.client
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from directory import create_app
from directory.extensions import db
from directory.fiches.models import Fiche, Statut
from directory.imports.seed import load_seed
from directory.search.backend import SearchRequest, get_backend
from directory.search.replica import last_change
from directory.territoires.services import load_reference
from tests.builders import PASSWORD, login, make_fiche, make_user, post_form
from tests.conftest import GEO_DIR, ROOT, separate_database

SCHEMA = "search_faults"
WORD = "ouistiti"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def crash_setup(tmp_path, engine):
    """A committed database (seed, an admin, a draft fiche) and its index, for real processes."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "faults",
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
        admin = make_user("admin", email="admin@exemple.fr")
        draft = make_fiche("brouillon", name=f"Service {WORD.capitalize()}")
        db.session.commit()
        get_backend(app).rebuild(db.session)
        db.session.commit()
        slug, email = draft.slug, admin.email
        get_backend(app).close()
        db.session.remove()
        db.engine.dispose()
    return config, slug, email


class Server:
    """The app served by `flask run` in a child process, configured by DIRECTORY_* variables."""

    def __init__(self, config: dict, log: Path, **extra):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        env.pop("TEST_DATABASE_URL", None)
        for key, value in {**config, **extra}.items():
            env[f"DIRECTORY_{key}"] = json.dumps(value) if isinstance(value, bool) else str(value)
        self.log = open(log, "ab")  # noqa: SIM115 (closed with the server)
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--no-reload"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(  # noqa: S603 - this bench/test runs its own code
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                assert self.process.poll() is None, log.read_text()
                time.sleep(0.1)
        raise AssertionError("le serveur n'a pas démarré")

    def get(self, path: str) -> str:
        with self.opener.open(self.url + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> str:
        token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', self.get(path_of_form(path)))
        body = urllib.parse.urlencode({"csrf_token": token.group(1), **data}).encode()
        with self.opener.open(self.url + path, data=body, timeout=30) as response:
            return response.read().decode()

    def found(self, q: str) -> list[str]:
        data = json.loads(self.get(f"/recherche.json?q={q}"))
        return [r["slug"] for r in data["resultats"]]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()


def path_of_form(path: str) -> str:
    """The page that shows the form posting to path."""
    return "/connexion" if path == "/connexion" else path.rsplit("/", 1)[0]


def test_a_process_killed_between_commit_and_index_loses_nothing(crash_setup, tmp_path):
    config, slug, email = crash_setup
    server = Server(config, tmp_path / "server.log", SEARCH_KILL_AFTER_COMMIT=True)
    try:
        server.post("/connexion", {"email": email, "password": PASSWORD})  # no index change
        assert server.process.poll() is None
        with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
            server.post(f"/fiches/{slug}/publier", {})  # committed, then SIGKILL
        assert server.process.wait(timeout=30) == -9
    finally:
        server.stop()

    app = create_app(config)
    with app.app_context():
        # The database has the change; the index was never told: it is behind the log.
        fiche = db.session.scalar(select(Fiche).where(Fiche.slug == slug))
        assert fiche.status == Statut.PUBLIEE
        backend = get_backend(app)
        assert backend.applied() < last_change(db.session)
        assert backend.is_stale(db.session)
        assert backend.search(SearchRequest(q=WORD)).hits == []
        backend.close()
        db.session.remove()
        db.engine.dispose()

    server = Server(config, tmp_path / "server.log")  # restarted, without the fault
    try:
        assert server.found(WORD) == [slug]
        assert "cra-lorraine" in server.found("autisme")
    finally:
        server.stop()
    with app.app_context():
        assert not get_backend(app).is_stale(db.session)
        get_backend(app).close()
        db.session.remove()
        db.engine.dispose()


def segment_files(path: str) -> list[str]:
    """The files holding the indexed documents (tantivy's .idx, Whoosh's .seg)."""
    return sorted(n for n in os.listdir(path) if n.endswith((".idx", ".seg")))


def found(client, q: str) -> list[str]:
    data = client.get("/recherche.json", query_string={"q": q}).get_json()
    return [r["slug"] for r in data["resultats"]]


def test_a_deleted_segment_file_never_fails_a_save_and_the_index_is_rebuilt(client, indexed):
    admin = make_user("admin")
    draft = make_fiche("brouillon", name=f"Service {WORD.capitalize()}")
    login(client, admin)
    for name in segment_files(indexed.path):
        os.remove(os.path.join(indexed.path, name))

    response = post_form(client, f"/fiches/{draft.slug}/publier")
    assert response.status_code == 302  # the save succeeded: committed, the index error logged
    assert db.session.get(Fiche, draft.id).status == Statut.PUBLIEE
    assert indexed.broken

    assert found(client, WORD) == [draft.slug]  # the next search rebuilt the index
    assert "cra-lorraine" in found(client, "autisme")
    assert indexed.broken is None and indexed.exists()
    assert not indexed.is_stale(db.session)


def test_a_process_opening_a_damaged_index_rebuilds_it(client, indexed):
    indexed.close()  # as a process starting anew
    for name in segment_files(indexed.path):
        os.remove(os.path.join(indexed.path, name))
    assert "cra-lorraine" in found(client, "autisme")
    assert segment_files(indexed.path)
    assert not indexed.is_stale(db.session)
