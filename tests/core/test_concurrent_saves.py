"""Simultaneous saves through a real gunicorn server (2 workers, production mode): each gives a
success or the conflict page (409), never an error; on SQLite as on PostgreSQL."""

import html
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.fiches.models import Fiche, FicheHistory
from tests.builders import PASSWORD, make_user
from tests.conftest import separate_database
from tests.servers import Visitor, gunicorn, seeded_app, server_environment

SCHEMA = "concurrent_saves"
ROUNDS = 8
MANY = 12


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A seeded database of its own, three admins and gunicorn serving it."""
    tmp = tmp_path_factory.mktemp("concurrent")
    url = separate_database(tmp, SCHEMA)
    app = seeded_app(url, tmp)
    with app.app_context():
        admins = [make_user("admin", email=f"admin{i}@exemple.fr") for i in range(3)]
        emails = [a.email for a in admins]
        slugs = db.session.scalars(select(Fiche.slug).order_by(Fiche.id).limit(MANY + 1)).all()
        db.session.commit()
    with gunicorn(server_environment(url, tmp), tmp / "gunicorn.log") as server:
        yield {"app": app, "server": server, "emails": emails, "slugs": slugs}
    with app.app_context():
        db.engine.dispose()


def _at_once(calls):
    """Run the calls in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _summary(app, slug: str) -> tuple[str, int]:
    with app.app_context():
        fiche = db.session.scalar(select(Fiche).where(Fiche.slug == slug))
        result = fiche.summary, fiche.version
        db.session.remove()
    return result


def test_two_editors_saving_one_fiche_at_once_get_a_success_and_the_conflict_page(live):
    server, slug = live["server"], live["slugs"][0]
    editors = [Visitor(server.url), Visitor(server.url)]
    for editor, email in zip(editors, live["emails"], strict=False):
        editor.login(email, PASSWORD)
    for round_ in range(ROUNDS):
        forms = [editor.edit_form(slug) for editor in editors]
        texts = [f"Résumé de la manche {round_}, écrit par l'éditeur {i}." for i in range(2)]
        for form, text in zip(forms, texts, strict=True):
            form["resume"] = text
        for _ in range(4):  # the workers keep the page as it is before the saves
            assert Visitor(server.url).get(f"/fiches/{slug}").status_code == 200
        answers = _at_once(
            [lambda e=e, f=f: e.save(slug, f) for e, f in zip(editors, forms, strict=True)]
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [302, 409], [a.text[:300] for a in answers if a.status_code >= 500]
        loser = next(a for a in answers if a.status_code == 409)
        page = html.unescape(loser.text)
        assert "rien n'a été écrit" in page
        # The one who lost keeps their input, to save again after reading the other's change.
        lost_text = texts[answers.index(loser)]
        assert lost_text in page
        winner_text = texts[1 - answers.index(loser)]
        summary, _ = _summary(live["app"], slug)
        assert summary == winner_text
        # Either worker answers visitors, and neither shows the page it kept before the save.
        for _ in range(4):
            assert winner_text in html.unescape(Visitor(server.url).get(f"/fiches/{slug}").text)
    with live["app"].app_context():
        fiche = db.session.scalar(select(Fiche).where(Fiche.slug == slug))
        saved = db.session.scalars(
            select(FicheHistory).where(
                FicheHistory.fiche_id == fiche.id, FicheHistory.field == "resume"
            )
        ).all()
        assert len([row for row in saved if "manche" in (row.after or "")]) == ROUNDS
        db.session.remove()


def test_many_saves_of_different_fiches_at_once_all_succeed(live):
    server, slugs = live["server"], live["slugs"][1 : MANY + 1]
    first = Visitor(server.url)
    first.login(live["emails"][2], PASSWORD)
    visitors = []
    for _ in slugs:
        visitor = Visitor(server.url)
        visitor.http.cookies.update(first.http.cookies)  # the same admin, in twelve tabs
        visitors.append(visitor)
    for round_ in range(3):
        forms = [v.edit_form(slug) for v, slug in zip(visitors, slugs, strict=True)]
        for form, slug in zip(forms, slugs, strict=True):
            form["resume"] = f"Résumé {round_} de {slug}."
        answers = _at_once(
            [
                lambda v=v, s=s, f=f: v.save(s, f)
                for v, s, f in zip(visitors, slugs, forms, strict=True)
            ]
        )
        assert [a.status_code for a in answers] == [302] * len(slugs), [
            a.text[:300] for a in answers if a.status_code != 302
        ]
        for slug in slugs:
            assert _summary(live["app"], slug)[0] == f"Résumé {round_} de {slug}."
