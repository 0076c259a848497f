"""The index follows the database: commits, rollbacks, a busy index, a lost index folder."""

import os
import shutil
from contextlib import contextmanager
from datetime import UTC, datetime

from filelock import FileLock
from sqlalchemy import func, select, update

from directory.extensions import db
from directory.fiches.models import Fiche, Statut
from directory.search.models import SearchChange
from directory.search.replica import LOCK_FILE, last_change
from tests.builders import add_contact, make_fiche, page_text


def found(client, q: str, **filters) -> list[str]:
    data = client.get("/recherche.json", query_string={"q": q, **filters}).get_json()
    return [r["slug"] for r in data["resultats"]]


def suggested(client, q: str) -> list[str]:
    data = client.get("/recherche/suggestions.json", query_string={"q": q}).get_json()
    return [s["libelle"] for s in data["suggestions"]]


def fiche(slug: str) -> Fiche:
    return db.session.scalar(select(Fiche).where(Fiche.slug == slug))


def test_nothing_unpublished_or_members_only_surfaces(client, indexed):
    draft = make_fiche("brouillon", name="Zorglub brouillon")
    draft.summary = "zorglubien secret"
    archived = make_fiche("archivee", name="Zorglub archive")
    archived.summary = "zorglubien ancien"
    public = make_fiche(name="Service Quetzalcoatl")
    add_contact(public, "Bartholomé Membresseul", visibility="membres", email="b@exemple.fr")
    db.session.commit()
    assert found(client, "zorglub") == [] and found(client, "zorglubien") == []
    assert suggested(client, "zorglu") == []
    assert found(client, "quetzalcoatl") == [public.slug]
    assert found(client, "Membresseul") == [] and found(client, "b@exemple.fr") == []
    html = page_text(client.get("/recherche?q=quetzalcoatl"))
    assert "Membresseul" not in html and "Zorglub" not in html
    assert draft.slug not in html and archived.slug not in html


def test_index_follows_commits_and_ignores_rollbacks(client, indexed):
    target = fiche("cra-lorraine")
    target.summary = "Centre ressources autisme, désormais aussi xylophoniste."
    db.session.commit()
    assert found(client, "xylophoniste") == ["cra-lorraine"]

    target.summary = "Centre ressources autisme, devenu ornithorynque."
    db.session.flush()
    db.session.rollback()
    assert found(client, "ornithorynque") == []
    assert found(client, "xylophoniste") == ["cra-lorraine"]

    fiche("cra-lorraine").status = Statut.ARCHIVEE
    db.session.commit()
    assert found(client, "xylophoniste") == []


@contextmanager
def writer_elsewhere(backend):
    """Hold the index folder's writer lock, as another process writing the index would."""
    lock = FileLock(os.path.join(backend.path, LOCK_FILE), thread_local=False)
    with lock.acquire(timeout=5):
        yield


def log_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchChange))


def test_a_rolled_back_change_leaves_nothing_in_the_log(indexed):
    before = log_count()
    fiche("dac-54").summary = "Appui à la coordination, devenu ornithorynque."
    db.session.flush()
    assert log_count() == before + 1  # written with the change, in its transaction
    db.session.rollback()
    assert log_count() == before
    assert not indexed.is_stale(db.session)


def test_a_busy_index_keeps_the_change_in_the_log_never_lost(app, client, indexed, runner):
    indexed.lock_timeout = 0.2
    with writer_elsewhere(indexed):
        fiche("dac-54").summary = "Appui à la coordination, capybara."
        db.session.commit()  # the request's commit succeeds all the same
        assert indexed.applied() < last_change(db.session)
        assert indexed.is_stale(db.session)
        assert found(client, "capybara") == []  # served as it is: the writer is busy
        result = runner.invoke(args=["search", "pending"])
        assert result.exit_code == 0 and "autre processus" in result.output
    result = runner.invoke(args=["search", "pending"])
    assert result.exit_code == 0 and "1 modification(s)" in result.output
    assert found(client, "capybara") == ["dac-54"]
    assert not indexed.is_stale(db.session)


def test_the_next_search_applies_what_was_left_in_the_log(client, indexed):
    indexed.lock_timeout = 0.2
    with writer_elsewhere(indexed):
        fiche("dac-54").summary = "Appui à la coordination, okapi."
        db.session.commit()
    assert found(client, "okapi") == ["dac-54"]  # caught up before serving
    with writer_elsewhere(indexed):
        fiche("dac-54").summary = "Appui à la coordination, gnou."
        db.session.commit()
    fiche("cra-alsace").summary = "Centre ressources autisme, wombat."
    db.session.commit()  # the next writer applies both
    assert indexed.applied() == last_change(db.session)
    assert found(client, "gnou") == ["dac-54"] and found(client, "wombat") == ["cra-alsace"]


def test_a_deleted_index_folder_is_rebuilt_on_first_use(client, indexed):
    indexed.close()
    shutil.rmtree(indexed.path)
    assert not indexed.exists()
    assert "cra-lorraine" in found(client, "autisme")
    assert indexed.exists()


def test_rebuild_if_stale_only_when_the_database_moved_on(client, runner, indexed):
    result = runner.invoke(args=["search", "rebuild", "--if-stale"])
    assert result.exit_code == 0 and "à jour" in result.output
    # a bulk update, which names no fiche to the session: logged as "everything"
    db.session.execute(
        update(Fiche)
        .where(Fiche.slug == "dac-54")
        .values(updated_at=datetime(2099, 1, 1, tzinfo=UTC))
    )
    db.session.commit()
    assert indexed.is_stale(db.session)
    result = runner.invoke(args=["search", "rebuild", "--if-stale"])
    assert result.exit_code == 0 and "reconstruit" in result.output
    assert not indexed.is_stale(db.session)
    assert found(client, "autisme")  # still searchable


def test_the_results_page_works_without_javascript(client, indexed):
    html = page_text(client.get("/recherche?q=handicap&type=mdph&departement=57"))
    assert '<form class="search-form" method="get" action="/recherche"' in html
    assert "Maison départementale des personnes" in html
    assert "<mark" in html  # highlighted snippet
    # applied filters as removable chips: plain links back to the page without them
    assert "Type de dispositif : MDPH" in html
    assert 'href="/recherche?q=handicap&amp;departement=57"' in page_text_raw(
        client, "/recherche?q=handicap&type=mdph&departement=57"
    )
    # facets are links with counts
    assert "Affiner" in html and "(1)" in html
    empty = page_text(client.get("/recherche?q=zzzzqqqq"))
    assert "Aucune fiche publiée ne correspond" in empty
    assert "lexique des dispositifs" in empty


def test_the_header_box_of_every_page_searches(client, indexed):
    html = page_text(client.get("/"))
    assert (
        'action="/recherche"' in html and 'data-suggestions="/recherche/suggestions.json"' in html
    )
    script = client.get("/static/search/js/suggestions.js")
    assert script.status_code == 200 and b'role", "combobox"' in script.data
    script.close()


def page_text_raw(client, url: str) -> str:
    response = client.get(url)
    body = response.get_data(as_text=True)
    response.close()
    return body
