"""The matching shared by the dataset imports: normalised names and the cascade."""

import pytest

from directory.extensions import db
from directory.fiches.models import DispositifType
from directory.imports.matching import FicheIndex, normalised_name, type_phrases
from tests.builders import make_fiche


@pytest.mark.parametrize(
    "name",
    [
        "CMPP de Metz",
        "C.M.P.P. DE METZ",
        "Centre médico-psycho-pédagogique - Metz",
        "CENTRE MEDICO PSYCHO PEDAGOGIQUE DE METZ",
        "Le CMPP (Metz)",
    ],
)
def test_the_type_words_articles_case_accents_and_punctuation_go(app, name):
    phrases = type_phrases(db.session.get(DispositifType, "cmpp"))
    assert normalised_name(name, phrases) == "metz"


def test_saint_is_read_the_same_written_out_or_abbreviated(app):
    phrases = type_phrases(db.session.get(DispositifType, "camsp"))
    assert normalised_name("CAMSP DE ST DIE", phrases) == normalised_name(
        "CAMSP de Saint-Dié", phrases
    )


def test_the_datasets_own_label_of_the_type_goes_too(app):
    extra = ["Point d'information local dédié aux personnes âgées"]
    phrases = type_phrases(db.session.get(DispositifType, "clic"), extra)
    name = "Point d'information local dédié aux personnes âgées - Charleville-Mézières"
    assert normalised_name(name, phrases) == "charleville mezieres"


def test_a_name_made_only_of_type_words_never_matches(app):
    make_fiche(name="CAMSP", type_code="camsp", commune_code="57463")
    match = FicheIndex().match(type_code="camsp", name="C.A.M.S.P.", commune="57463")
    assert match.how is None


def test_a_siret_shared_by_two_fiches_of_the_type_is_no_identifier(app):
    make_fiche(name="SESSAD fictif A", type_code="sessad", siret="99999999900011")
    make_fiche(name="SESSAD fictif B", type_code="sessad", siret="99999999900011")
    index = FicheIndex()
    assert (
        index.match(type_code="sessad", name="SESSAD fictif C", siret="99999999900011").how is None
    )
    assert index.match(type_code="cmpp", name="X", siret="99999999900011").how is None


def test_demo_fiches_are_never_matched(app):
    make_fiche(name="CMPP de Metz", type_code="cmpp", commune_code="57463", fictive=True)
    assert FicheIndex().match(type_code="cmpp", name="CMPP DE METZ", commune="57463").how is None


def test_an_identifier_beats_a_name(app):
    by_name = make_fiche(name="CMPP de Metz", type_code="cmpp", commune_code="57463")
    by_number = make_fiche(name="Autre nom", type_code="cmpp", finess="570099992")
    match = FicheIndex().match(
        type_code="cmpp", name="CMPP DE METZ", commune="57463", finess="570099992"
    )
    assert (match.how, match.fiche.id) == ("identifiant", by_number.id)
    assert by_name.id != by_number.id
