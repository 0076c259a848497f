"""The production server, gunicorn, started from the project folder as docs/deploy.md says: it
believes proxy headers only when the app is told to (DIRECTORY_PROXY_COUNT), and sends Secure
cookies and the security headers."""

import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import GEO_DIR, ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.fixture
def gunicorn(tmp_path):
    """Start `gunicorn wsgi:app` in production mode on a free port; return a GET function."""
    started = []

    def start(**env):
        environment = {
            **os.environ,
            "DIRECTORY_ENV": "production",
            "DIRECTORY_SECRET_KEY": secrets.token_hex(32),
            "DIRECTORY_SITE_URL": "http://127.0.0.1",
            "DIRECTORY_TERRITOIRES_DIR": str(GEO_DIR),
            "DIRECTORY_SEARCH_INDEX_DIR": str(tmp_path / "search"),
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "gunicorn.sqlite3"),
            **env,
        }
        log = open(tmp_path / "gunicorn.log", "w+")  # read back while it runs
        process = subprocess.Popen(  # noqa: S603 - our own server, our own arguments
            [str(GUNICORN), "-w", "1", "-b", "127.0.0.1:0", "wsgi:app"],
            cwd=ROOT,  # where gunicorn.conf.py is read from
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
        for _ in range(200):
            log.seek(0)
            match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read())
            if match:
                return _getter(int(match.group(1)))
            assert process.poll() is None, log.read()
            time.sleep(0.05)
        raise AssertionError("gunicorn ne démarre pas")

    yield start
    for process, log in started:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        log.close()


def _getter(port: int):
    def get(path: str, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    return get


def test_without_a_proxy_a_forged_x_forwarded_proto_is_not_https(gunicorn):
    get = gunicorn(DIRECTORY_PROXY_COUNT="0")
    response = get("/page-inconnue", {"X-Forwarded-Proto": "https"})
    assert response.status == 404
    assert response.getheader("Strict-Transport-Security") is None
    assert "'unsafe-inline'" not in response.getheader("Content-Security-Policy")
    assert response.getheader("X-Frame-Options") == "DENY"


def test_behind_the_configured_proxy_https_is_believed(gunicorn):
    get = gunicorn(DIRECTORY_PROXY_COUNT="1")
    response = get("/page-inconnue", {"X-Forwarded-Proto": "https"})
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
    assert get("/page-inconnue").getheader("Strict-Transport-Security") is None


def test_production_session_cookies_are_secure(gunicorn):
    response = gunicorn()("/connexion")
    cookie = response.getheader("Set-Cookie")
    assert response.status == 200
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
