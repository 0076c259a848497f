"""Real server processes for tests: gunicorn in production mode on 127.0.0.1, a database of its
own, and a visitor that signs in and posts forms as a browser would (cookies, CSRF token)."""

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from directory import create_app
from directory.extensions import db
from directory.imports.seed import load_seed
from directory.territoires.services import load_reference
from tests.conftest import GEO_DIR, ROOT
from tests.fiches.edit_helpers import form_fields

BIN = Path(sys.executable).parent
TRUSTED_HOST = "127.0.0.1"


def seeded_app(database_url: str, tmp_path: Path, **config):
    """Return an app on a database of its own, migrated, with the geography and the seed."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "live",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TERRITOIRES_DIR": str(GEO_DIR),
            "SEARCH_INDEX_DIR": str(tmp_path / "search"),
            **config,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "directory" / "migrations"))
        load_reference(GEO_DIR)
        load_seed()
        db.session.commit()
        db.session.remove()
    return app


def server_environment(database_url: str, tmp_path: Path, **extra: str) -> dict:
    """Return the environment of a production server process on this database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIRECTORY_", "FLASK_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        DIRECTORY_ENV="production",
        DIRECTORY_SECRET_KEY="a-long-secret-key-for-the-live-server-tests",  # noqa: S106 - the test server's key
        DIRECTORY_TRUSTED_HOSTS=TRUSTED_HOST,
        DIRECTORY_SITE_URL="http://127.0.0.1",
        DIRECTORY_SQLALCHEMY_DATABASE_URI=database_url,
        DIRECTORY_TERRITOIRES_DIR=str(GEO_DIR),
        DIRECTORY_SEARCH_INDEX_DIR=str(tmp_path / "search"),
        DIRECTORY_OUTBOX_DIR=str(tmp_path / "outbox"),
        DIRECTORY_LOGIN_RATE_LIMIT="1000 per minute",
        **extra,
    )
    return env


class Gunicorn:
    """gunicorn serving wsgi:app on a socket bound to a free port of 127.0.0.1."""

    def __init__(self, env: dict, log: Path, workers: int = 2, timeout: int = 30):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        listener.set_inheritable(True)
        self.port = listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = log
        command = [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"fd://{listener.fileno()}",
            "--timeout",
            str(timeout),
            "--graceful-timeout",
            "5",
            "wsgi:app",
        ]
        with open(log, "ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - the project's own gunicorn
                command,
                cwd=ROOT,
                env={**env, "DIRECTORY_SITE_URL": self.url},
                stdout=output,
                stderr=subprocess.STDOUT,
                pass_fds=(listener.fileno(),),
            )
        listener.close()
        self.wait_ready()

    def worker_pids(self) -> list[int]:
        """Return the pids of the worker processes (the master's children)."""
        pid = self.process.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as handle:
                return [int(p) for p in handle.read().split()]
        except OSError:
            return []

    def wait_ready(self, seconds: float = 60, exclude: tuple[int, ...] = ()) -> None:
        """Wait until every worker is up (none of `exclude`) and the home page answers."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn s'est arrêté :\n{self.log_text()[-3000:]}")
            pids = [p for p in self.worker_pids() if p not in exclude]
            if len(pids) >= self.workers:
                try:
                    if requests.get(self.url + "/types", timeout=10).status_code == 200:
                        return
                except requests.RequestException:
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn ne répond pas :\n{self.log_text()[-3000:]}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


@contextmanager
def gunicorn(env: dict, log: Path, **options):
    server = Gunicorn(env, log, **options)
    try:
        yield server
    finally:
        server.stop()


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Visitor:
    """One person's browser: its cookies, its CSRF token, real HTTP requests."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.http = requests.Session()

    def _behind_tls(self, response: requests.Response) -> requests.Response:
        # The production server's cookies are Secure: send them over the loopback, as a
        # browser does over the HTTPS that the proxy would end.
        for cookie in self.http.cookies:
            cookie.secure = False
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        answer = self.http.get(self.base + path, allow_redirects=False, timeout=60, **kwargs)
        return self._behind_tls(answer)

    def post(self, path: str, data, **kwargs) -> requests.Response:
        answer = self.http.post(
            self.base + path, data=data, allow_redirects=False, timeout=60, **kwargs
        )
        return self._behind_tls(answer)

    def login(self, email: str, password: str) -> None:
        page = self.get("/connexion")
        token = CSRF.search(page.text).group(1)
        answer = self.post(
            "/connexion", {"csrf_token": token, "email": email, "password": password}
        )
        assert answer.status_code == 302, answer.text[:500]

    def edit_form(self, slug: str) -> dict:
        """Open a fiche's edit form; return its fields as the browser would post them."""
        page = self.get(f"/fiches/{slug}/modifier")
        assert page.status_code == 200, page.text[:500]
        return form_fields(page.text, f"/fiches/{slug}/modifier")

    def save(self, slug: str, form: dict) -> requests.Response:
        return self.post(f"/fiches/{slug}/modifier", form)


# --- A PostgreSQL cluster of its own ------------------------------------------------------


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> int:
    return int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0


class Cluster:
    """A throwaway PostgreSQL cluster on a free port, run as the postgres user when root."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="directory-pg-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/directory"

    def run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:  # initdb and the server refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603 - PostgreSQL's own tools

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self.run(
            "pg_ctl", "-D", str(self.dir / "data"), "-o", options, "-l", str(self.dir / "log"),
            "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def create_database(self) -> None:
        engine = create_engine(
            self.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as connection:
            connection.execute(text("CREATE DATABASE directory"))
        engine.dispose()

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)
