"""`flask backup` and `flask restore`: one archive that both engines load, the round trip
SQLite → PostgreSQL → SQLite gives back the same rows, and what cannot be loaded is refused."""

import gzip
import json
import os
import stat

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select

from directory import create_app, messages
from directory.extensions import db
from directory.fiches.models import Fiche
from tests.builders import PASSWORD, make_user
from tests.conftest import GEO_DIR, separate_database
from tests.servers import seeded_app


@pytest.fixture
def postgres_url(request, tmp_path):
    """An empty PostgreSQL database: the suite's (a fresh schema), else a cluster of its own."""
    if os.environ.get("TEST_DATABASE_URL"):
        return separate_database(tmp_path, "restored")
    return request.getfixturevalue("cluster").url


def _app(url: str, tmp_path, name: str):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "backup",
            "SQLALCHEMY_DATABASE_URI": url,
            "TERRITOIRES_DIR": str(GEO_DIR),
            "SEARCH_INDEX_DIR": str(tmp_path / f"search-{name}"),
        }
    )


def _read(path) -> dict:
    with gzip.open(path, "rb") as handle:
        return json.loads(handle.read())


def _backup(app, path):
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    return _read(path)


def _restore(app, path):
    return app.test_cli_runner().invoke(args=["restore", str(path)])


def _dispose(*apps):
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_round_trip_sqlite_postgresql_sqlite_gives_back_every_row(tmp_path, postgres_url):
    source = seeded_app(f"sqlite:///{tmp_path / 'source.sqlite3'}", tmp_path)
    with source.app_context():
        make_user("admin", email="admin@exemple.fr")
        db.session.commit()
        head = ScriptDirectory.from_config(
            source.extensions["migrate"].migrate.get_config()
        ).get_current_head()
    saved = _backup(source, tmp_path / "source.json.gz")

    # Readable by its owner alone; the database's content, hashes and no password in clear.
    assert stat.S_IMODE(os.stat(tmp_path / "source.json.gz").st_mode) == 0o600
    assert saved["schema_revision"] == head
    assert saved["versions"]["standard"] and saved["versions"]["types"]
    users = saved["tables"]["users"]
    hashes = [row[users["columns"].index("password_hash")] for row in users["rows"]]
    assert hashes and all(h.startswith("scrypt:") for h in hashes)
    assert PASSWORD not in gzip.open(tmp_path / "source.json.gz").read().decode()
    assert len(saved["tables"]["fiches"]["rows"]) > 10
    assert saved["tables"]["fiche_history"]["rows"]

    target = _app(postgres_url, tmp_path, "postgres")
    result = _restore(target, tmp_path / "source.json.gz")
    assert result.exit_code == 0, result.output
    assert "Sauvegarde chargée" in result.output
    again = _backup(target, tmp_path / "postgres.json.gz")
    assert again["engine"] == "postgresql"
    assert again["tables"] == saved["tables"]

    with target.app_context():
        slug = db.session.scalars(select(Fiche.slug).order_by(Fiche.id)).first()
        make_user(email="nouvelle@exemple.fr")  # the ids go on after the restored ones
        db.session.commit()
    page = target.test_client().get(f"/fiches/{slug}")
    assert page.status_code == 200
    assert target.test_client().get("/recherche?q=autisme").status_code == 200

    back = _app(f"sqlite:///{tmp_path / 'back.sqlite3'}", tmp_path, "back")
    assert _restore(back, tmp_path / "postgres.json.gz").exit_code == 0
    final = _backup(back, tmp_path / "back.json.gz")
    assert final["tables"] == again["tables"]
    _dispose(source, target, back)


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    source = seeded_app(f"sqlite:///{tmp_path / 'full.sqlite3'}", tmp_path)
    _backup(source, tmp_path / "full.json.gz")
    result = _restore(source, tmp_path / "full.json.gz")
    assert result.exit_code == 1
    assert "La base n'est pas vide" in result.output
    _dispose(source)


def test_restore_refuses_a_schema_revision_it_cannot_migrate(tmp_path):
    source = seeded_app(f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_path)
    archive = _backup(source, tmp_path / "new.json.gz")
    archive["schema_revision"] = "9999"  # written by a later version of the directory
    with gzip.open(tmp_path / "later.json.gz", "wb") as handle:
        handle.write(json.dumps(archive).encode())
    empty = tmp_path / "empty.sqlite3"
    target = _app(f"sqlite:///{empty}", tmp_path, "empty")
    result = _restore(target, tmp_path / "later.json.gz")
    assert result.exit_code == 1
    assert messages.RESTORE_REVISION_UNKNOWN.format(revision="9999") in result.output
    assert inspect(create_engine(f"sqlite:///{empty}")).get_table_names() == []
    _dispose(source, target)


def test_restore_refuses_what_is_not_a_backup_and_backup_keeps_an_existing_file(tmp_path):
    (tmp_path / "notes.json.gz").write_bytes(gzip.compress(b'{"bonjour": 1}'))
    target = _app(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path, "x")
    result = _restore(target, tmp_path / "notes.json.gz")
    assert result.exit_code == 1
    assert "n'est pas une sauvegarde de l'annuaire" in result.output
    source = seeded_app(f"sqlite:///{tmp_path / 'y.sqlite3'}", tmp_path)
    (tmp_path / "taken.json.gz").write_bytes(b"ancienne sauvegarde")
    taken = source.test_cli_runner().invoke(args=["backup", str(tmp_path / "taken.json.gz")])
    assert taken.exit_code == 1 and "existe déjà" in taken.output
    assert (tmp_path / "taken.json.gz").read_bytes() == b"ancienne sauvegarde"
    _dispose(source, target)
