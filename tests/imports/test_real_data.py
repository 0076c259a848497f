"""What a coordinator finds on the real seed: a phone number for every MDPH with its date and
source, a PCO for Metz, the Communautés 360 number everywhere, dated and honest provenance."""

import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.fiches.models import Fiche, SourceLevel, Statut
from directory.fiches.services import Actor, fiche_to_data, normalize, update_fiche
from directory.imports.stats import holdings
from directory.territoires.services import departements
from tests.builders import page_text

MDPH = (
    "mda-ardennes",
    "mdph-aube",
    "mdph-marne",
    "mdph-haute-marne",
    "mdph-meurthe-et-moselle",
    "mdph-meuse",
    "mdph-moselle",
    "mph-alsace",
    "mda-vosges",
)


def _fiche(slug: str) -> Fiche:
    return db.session.scalar(select(Fiche).where(Fiche.slug == slug))


@pytest.mark.parametrize("slug", MDPH)
def test_every_mdph_page_shows_a_phone_number_with_its_date_and_source(client, seeded, slug):
    page = page_text(client.get(f"/fiches/{slug}"))
    contacts = page.split('id="h-contacts"', 1)[1].split('id="h-liens"', 1)[0]
    assert re.search(r'href="tel:\+33\d{9}"', contacts), slug
    assert re.search(r"\(coordonnées de 201[35], Annuaire de l'administration", contacts), slug
    assert "à confirmer" in contacts
    assert "Jamais vérifiée par le service" in page and "sources datées de" in page


def test_the_alsace_mdph_has_its_two_sites_on_the_page_and_the_map(client, seeded):
    page = page_text(client.get("/fiches/mph-alsace"))
    assert "Site de Strasbourg (ancienne MDPH du Bas-Rhin)" in page
    assert "Site de Colmar (ancienne MDPH du Haut-Rhin)" in page
    assert "0 800 74 79 00" in page and "03 89 30 68 10" in page
    features = client.get("/carte/fiches.geojson").get_json()["features"]
    names = [f["properties"]["nom"] for f in features]
    alsace = [n for n in names if n.startswith("Maison des personnes handicapées")]
    assert len(alsace) == 2, alsace


def test_the_aube_mdph_says_its_existence_comes_from_the_law(client, seeded):
    page = page_text(client.get("/fiches/mdph-aube"))
    assert "Existence déduite de la loi" in page
    assert "coordonnées de 2015, Annuaire de l'administration" in page
    assert "03 25 42 65 70" in page  # the DILA record of 2015, Troyes


def test_qui_intervient_a_metz_lists_a_pco_tnd(client, seeded):
    page = page_text(client.get("/qui-intervient?commune=57463"))
    assert "Plateforme de coordination et d'orientation des troubles du neurodéveloppement" in page
    assert "PCO57" in page or "PCO TND" in page


def test_the_communautes_360_number_shows_for_a_commune_of_every_departement(client, seeded):
    for departement in departements():
        commune = next(c for c in db.session.scalars(departement_communes(departement.code)))
        page = page_text(client.get(f"/qui-intervient?commune={commune}"))
        assert "0 800 360 360" in page, departement.code
        assert 'href="tel:+33800360360"' in page, departement.code


def departement_communes(code: str):
    from directory.territoires.models import Commune

    return select(Commune.code).where(Commune.departement_code == code).order_by(Commune.code)


def test_at_least_a_hundred_published_fiches_and_most_on_the_map(client, seeded):
    counted = holdings()
    assert counted.total >= 100
    assert counted.on_map >= 0.6 * counted.total
    features = client.get("/carte/fiches.geojson").get_json()["features"]
    placed = {f["properties"]["url"] for f in features}
    assert len(placed) >= 0.6 * counted.total


def test_the_clic_and_plateformes_de_repit_are_published_dated_and_not_confirmed(client, seeded):
    clic = db.session.scalars(select(Fiche).where(Fiche.type_code == "clic")).all()
    repit = db.session.scalars(
        select(Fiche).where(Fiche.slug.like("plateforme-repit-aidants-%"))
    ).all()
    assert len(clic) == 73 and len(repit) == 9
    assert all(f.status == Statut.PUBLIEE and f.verified_on is None for f in clic + repit)
    for fiche in clic + repit:
        [dataset] = [s for s in fiche.sources if s.level == SourceLevel.TIERS]
        assert dataset.fact_date.startswith(("2013", "2015")), fiche.slug
    page = page_text(client.get("/fiches/clic-charleville-mezieres"))
    assert "Jamais vérifiée par le service" in page
    assert "certains CLIC ont rejoint un DAC ou une MDA" in page
    assert 'faits datés de <time datetime="2015-04-29">29 avril 2015</time>' in page


def test_a_record_under_a_former_commune_code_lands_in_todays_commune(seeded):
    # The 2015 record of the CLIC du Nord Rémois gives Fresne-lès-Reims (51261), merged since.
    fiche = db.session.scalar(select(Fiche).where(Fiche.name.like("%Nord Rémois%")))
    assert fiche.commune_code == "51075"


def test_the_national_frame_cites_the_types_reference_source(seeded):
    for slug, url in (
        ("dac-54", "https://www.cnsa.fr/informations-thematiques/"),
        ("mdph-moselle", "https://www.mdph51.fr/la-mdph/organisation-et-fonctionnement"),
    ):
        [frame] = [s for s in _fiche(slug).sources if s.title.startswith("Cadre national")]
        assert frame.url.startswith(url) and frame.level == SourceLevel.VERIFIE
    urls = [s.url or "" for f in db.session.scalars(select(Fiche)) for s in f.sources]
    assert not any("typikatypik54.fr/agir-au-quotidien" in u for u in urls)
    assert not any("appuisantemartinique" in u for u in urls)


def test_the_report_names_each_unpublished_fiche_with_its_reason(runner):
    result = runner.invoke(args=["seed", "load"])
    assert result.exit_code == 0, result.output
    assert "4 non publiée(s)" in result.output
    assert "Dispositif MAIA des Vosges (archivée) : dispositif historique" in result.output
    assert "(brouillon) : annoncé par l'ARS Grand Est" in result.output


def test_a_fiche_changed_by_its_service_is_not_overwritten_by_the_seed(runner, seeded):
    fiche = _fiche("dac-vosges")
    data = normalize(fiche_to_data(fiche))
    update_fiche(fiche, {**data, "phone": "03 29 00 00 00"}, Actor(label="Claire (DAC 88)"))
    db.session.commit()
    result = runner.invoke(args=["seed", "load"])
    assert result.exit_code == 0, result.output
    assert "Laissée telle quelle — dac-vosges : modifiée depuis par « Claire (DAC 88) »" in (
        result.output
    )
    db.session.expire_all()
    assert _fiche("dac-vosges").phone == "03 29 00 00 00"
