"""Bad input from the probe: each gets a clear French 4xx over real HTTP, never a 500."""

import json
import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.fiches.models import Fiche
from tests.builders import login, make_fiche, make_org, make_user, page_text, sign_in_session
from tests.fiches.edit_helpers import edit_form

HUGE_PAGE = "99999999999999999999999"
LISTS = ["/fiches", "/carte", "/recherche", "/recherche.json", "/carte/fiches.geojson"]


def _french_refusal(response, code=400) -> str:
    """Assert a French refusal page (or API error) with this status; return its message."""
    body = page_text(response)
    assert response.status_code == code, body[:300]
    if response.is_json:
        return json.loads(body)["message"]
    assert '<html lang="fr"' in body
    return body


@pytest.mark.parametrize("url", LISTS)
def test_a_huge_page_number_is_refused_in_french(client, url):
    body = _french_refusal(client.get(f"{url}?page={HUGE_PAGE}"))
    assert "Traceback" not in body


def test_a_huge_page_number_in_the_audit_trail_is_refused_in_french(client, app):
    sign_in_session(client, make_user("admin"))
    body = _french_refusal(client.get(f"/admin/journal?page={HUGE_PAGE}"))
    assert "Numéro de page invalide" in body


def test_a_page_past_the_end_is_an_empty_page_not_an_error(client):
    with client.get("/fiches?page=9000") as response:
        assert response.status_code == 200


def _get_routes(app) -> list[str]:
    """Every GET route, its path variables and the usual filters holding a NUL byte."""
    query = "&".join(
        f"{name}=a%00b"
        for name in (
            "q",
            "type",
            "departement",
            "commune",
            "public",
            "age",
            "qui_peut_saisir",
            "notification_mdph",
            "page",
            "next",
            "action",
            "acteur",
            "etat",
            "completude",
        )
    )
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        path = re.sub(r"<[^>]+>", "a%00b", rule.rule)
        urls.append(f"{path}?{query}")
    return sorted(set(urls))


def test_a_nul_byte_anywhere_in_a_url_is_refused_in_french(client, app):
    make_fiche(name="Fiche visible")
    sign_in_session(client, make_user("admin"))  # admin pages too
    urls = _get_routes(app)
    assert len(urls) >= 19
    refused = {}
    for url in urls:
        message = _french_refusal(client.get(url))
        assert "caractère nul" in message, url
        refused[url] = message


def _open_edit_form(client) -> tuple:
    """Sign in an éditeur and open its fiche's form: (fiche, form fields)."""
    org = make_org()
    fiche = make_fiche(porteurs=[org], name="PCPE des Tilleuls")
    login(client, make_user(organisations=[org]))
    return fiche, edit_form(client, fiche.slug)


def test_a_nul_byte_in_a_form_field_is_refused_and_nothing_written(client, app):
    fiche, form = _open_edit_form(client)
    form["horaires"] = "9h\x00-17h"
    response = client.post(f"/fiches/{fiche.slug}/modifier", data=form)
    assert "caractère nul" in _french_refusal(response)
    db.session.expire_all()
    assert db.session.get(Fiche, fiche.id).opening_hours is None


@pytest.mark.parametrize("url", ["/fiches", "/recherche", "/carte", "/recherche.json"])
def test_a_very_long_query_is_refused_in_french(client, url):
    text = " ".join(["a"] * 1900)  # 3.8 kB: 1,900 words
    message = _french_refusal(client.get(url, query_string={"q": text}))
    assert "dépasse 1000 caractères" in message


@pytest.mark.parametrize("url", ["/fiches", "/recherche", "/carte", "/recherche.json"])
def test_keywords_longer_than_a_search_are_refused_beside_the_field(client, url):
    text = " ".join(["a"] * 150)  # 299 characters, 150 words
    response = client.get(url, query_string={"q": text})
    if url.endswith(".json"):
        assert response.status_code == 400
        assert "200 caractères au plus" in response.get_json()["errors"]["q"][0]
    else:
        assert "200 caractères au plus" in _french_refusal(response)


def test_a_long_commune_query_gets_an_answer(client):
    with client.get("/qui-intervient", query_string={"q": " ".join(["1"] * 400)}) as response:
        assert response.status_code < 500


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/connexion",
        data={"email": "a@exemple.fr", "password": "x" * (limit + 1)},
    )
    assert "trop volumineuse" in _french_refusal(response, 413)


def test_a_huge_text_field_is_refused_beside_the_field(client, app):
    fiche, form = _open_edit_form(client)
    form["missions"] = "Coordonner. " * 2000  # 24,000 characters
    response = client.post(f"/fiches/{fiche.slug}/modifier", data=form)
    body = page_text(response)
    assert response.status_code == 422
    assert "caractères au plus" in body
    db.session.expire_all()
    assert db.session.get(Fiche, fiche.id).missions == "Coordonner les parcours."


def test_a_deeply_nested_import_file_is_refused_in_french(runner, tmp_path):
    path = tmp_path / "nested.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = runner.invoke(args=["fiches", "import", str(path)])
    assert result.exit_code != 0
    assert "imbriqué" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, RecursionError)


def test_a_nul_byte_in_an_imported_text_is_refused_in_french(runner, tmp_path):
    record = {"nom": "Fiche\x00nulle", "type": "pcpe", "resume": "Un pôle.", "missions": "Aider."}
    path = tmp_path / "nul.json"
    path.write_text(json.dumps([record]), encoding="utf-8")
    result = runner.invoke(args=["fiches", "import", str(path), "--apply"])
    assert result.exit_code != 0
    assert "caractère nul" in result.output
    assert db.session.scalar(select(Fiche).where(Fiche.name.like("Fiche%nulle"))) is None
