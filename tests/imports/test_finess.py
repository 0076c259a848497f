"""`flask imports finess FILE [--apply]`: FINESS rows become drafts or reviewed proposals."""

import json

import pytest
import shapely
from sqlalchemy import func, select

from directory.extensions import db
from directory.fiches.models import DispositifType, Fiche, FicheHistory, Statut
from directory.imports.models import Proposal, ProposalKind, ProposalOrigin
from directory.imports.proposals import accept
from tests.builders import make_fiche, make_user
from tests.conftest import GEO_DIR
from tests.imports.dataset_files import (
    NANCY_XY,
    camsp_metz,
    geolocation,
    structure,
    write_finess,
)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _run(runner, path, *options):
    return runner.invoke(args=["imports", "finess", str(path), *options])


def _draft(finess: str) -> Fiche:
    return db.session.scalar(select(Fiche).where(Fiche.finess == finess))


def _out_of_scope() -> list[str]:
    """A row of Paris and an EHPAD of Metz: neither is kept."""
    return [
        structure("750099990", rslongue="CMPP FICTIF DE PARIS", commune="056",
                  departement="75", categetab="189", ligneacheminement="75001 PARIS"),
        structure("570099990", rslongue="EHPAD FICTIF DE METZ", commune="463",
                  departement="57", categetab="500", ligneacheminement="57000 METZ"),
    ]  # fmt: skip


def _cmpp(number="570099992", name="CMPP FICTIF DE THIONVILLE", commune="672", **fields):
    return structure(
        number, rslongue=name, commune=commune, departement="57", categetab="189",
        libcategetab="Centre Médico-Psycho-Pédagogique (C.M.P.P.)", telephone="0382999903",
        numvoie="5", typvoie="AV", voie="FICTIVE", ligneacheminement="57100 THIONVILLE",
        **fields,
    )  # fmt: skip


def test_dry_run_reports_in_french_and_writes_nothing(runner, tmp_path):
    path = write_finess(tmp_path, camsp_metz() + _out_of_scope())
    result = _run(runner, path)
    assert result.exit_code == 0, result.output
    assert (
        "FINESS (extraction du fichier des établissements), données du 12/05/2026 : "
        "3 enregistrement(s) lu(s), 1 retenu(s)" in result.output
    )
    assert "Brouillons à créer : 1" in result.output
    assert "« CAMSP FICTIF L’ŒUVRE (TEST À 0 €) » (570099991) → brouillon" in result.output
    assert "Essai à blanc : rien n'a été écrit." in result.output
    assert _count(Fiche) == 0 and _count(Proposal) == 0


def test_apply_writes_a_valid_draft_decoded_as_cp1252(runner, tmp_path):
    path = write_finess(tmp_path, camsp_metz())
    result = _run(runner, path, "--apply")
    assert result.exit_code == 0, result.output
    assert "Brouillons créés : 1" in result.output
    draft = _draft("570099991")
    assert draft.status == Statut.BROUILLON
    assert draft.name == "CAMSP Fictif l’Œuvre (Test à 0 €)"
    assert draft.type_code == "camsp" and draft.siret == "99999999900011"
    assert (draft.address_line1, draft.address_line2) == ("12 b rue de la Cœur Fictive", "BP 99999")
    assert (draft.postcode, draft.commune_code, draft.phone) == ("57000", "57463", "03 87 99 99 01")
    assert draft.missions == db.session.get(DispositifType, "camsp").definition
    assert draft.national_frame_fields == ["missions"]
    assert len(draft.summary) <= 280 and "à Metz (57)" in draft.summary
    dataset = draft.sources[0]
    assert (dataset.level.value, dataset.fact_date) == ("tiers", "2026-05-12")
    assert {"telephone", "adresse", "latitude", "identifiants"} <= set(dataset.fields)
    labels = set(db.session.scalars(select(FicheHistory.actor_label).where(
        FicheHistory.fiche_id == draft.id)))  # fmt: skip
    assert labels == {"import FINESS"}


def test_lambert_93_position_lands_in_the_right_commune(runner, tmp_path):
    assert _run(runner, write_finess(tmp_path, camsp_metz()), "--apply").exit_code == 0
    draft = _draft("570099991")
    communes = json.loads((GEO_DIR / "geo" / "communes.geojson").read_text(encoding="utf-8"))
    metz = next(f for f in communes["features"] if f["properties"]["code"] == "57463")
    point = shapely.Point(draft.longitude, draft.latitude)
    assert shapely.geometry.shape(metz["geometry"]).contains(point)


def test_identifier_match_proposes_fields_and_a_second_run_creates_nothing(runner, tmp_path):
    known = make_fiche(
        name="Centre médico-psycho-pédagogique de Thionville (fictif)", type_code="cmpp",
        finess="570099992", phone="03 82 00 00 00", commune_code="57672",
    )  # fmt: skip
    version = known.version
    db.session.commit()
    path = write_finess(tmp_path, camsp_metz() + [_cmpp(), geolocation("570099992", *NANCY_XY)])
    first = _run(runner, path, "--apply")
    assert first.exit_code == 0, first.output
    assert "Propositions faites : 4 champ(s) sur 1 fiche(s)" in first.output
    assert f"{known.slug} ← 570099992 (même identifiant) : telephone, adresse" in first.output
    fields = {p.field: p for p in db.session.scalars(select(Proposal))}
    assert set(fields) == {"telephone", "adresse", "latitude", "longitude"}
    assert fields["telephone"].proposed_value == "03 82 99 99 03"
    assert fields["telephone"].current_value == "03 82 00 00 00"
    assert fields["telephone"].origin == ProposalOrigin.FINESS
    db.session.refresh(known)
    assert (known.phone, known.version, known.status) == ("03 82 00 00 00", version, Statut.PUBLIEE)
    fiches, proposals = _count(Fiche), _count(Proposal)
    accept(fields["telephone"], make_user("admin"), by_service=False)
    accept(fields["adresse"], make_user("admin"), by_service=False)
    db.session.commit()
    db.session.refresh(known)
    assert (known.phone, known.address_line1) == ("03 82 99 99 03", "5 avenue Fictive")
    cited = next(s for s in known.sources if s.title.startswith("FINESS"))
    assert (sorted(cited.fields), cited.fact_date) == (["adresse", "telephone"], "2026-05-12")

    second = _run(runner, path, "--apply")
    assert second.exit_code == 0, second.output
    assert "Brouillons créés : 0" in second.output
    assert "Propositions faites : 0 champ(s) sur 0 fiche(s)" in second.output
    # The position proposals are still open: they are not repeated.
    assert "Fiches déjà à jour (rien à proposer) : 2" in second.output
    assert (_count(Fiche), _count(Proposal)) == (fiches, proposals)


def test_type_commune_and_normalised_name_match_adds_the_identifiers(runner, tmp_path):
    known = make_fiche(name="C.M.P.P. fictif - Thionville", type_code="cmpp", commune_code="57672")
    db.session.commit()
    row = _cmpp(name="CENTRE MEDICO PSYCHO PEDAGOGIQUE FICTIF DE THIONVILLE")
    result = _run(runner, write_finess(tmp_path, [row]), "--apply")
    assert result.exit_code == 0, result.output
    assert "(même type, même commune, même nom normalisé)" in result.output
    assert "Brouillons créés : 0" in result.output
    proposal = db.session.scalar(select(Proposal).where(Proposal.field == "identifiants"))
    assert proposal.fiche_id == known.id
    assert proposal.proposed_value["finess"] == "570099992"


def test_name_alone_makes_a_possible_duplicate_never_a_merge(runner, tmp_path):
    known = make_fiche(name="SESSAD fictif Les Tilleuls", type_code="sessad")
    db.session.commit()
    name = "SERVICE D'EDUCATION SPECIALE ET DE SOINS A DOMICILE FICTIF LES TILLEULS"
    row = structure(
        "570099993", rslongue=name, commune="463", departement="57", categetab="182",
        ligneacheminement="57000 METZ",
    )  # fmt: skip
    result = _run(runner, write_finess(tmp_path, [row]), "--apply")
    assert result.exit_code == 0, result.output
    assert (
        "Doublons possibles (même type et même nom normalisé, sans identifiant) : 1"
        in result.output
    )
    draft = _draft("570099993")
    assert draft is not None and draft.status == Statut.BROUILLON
    duplicate = db.session.scalar(select(Proposal))
    assert duplicate.kind == ProposalKind.DOUBLON
    assert (duplicate.fiche_id, duplicate.related_fiche_id) == (known.id, draft.id)
    assert draft.slug in duplicate.message
    assert known.finess is None  # nothing merged into the existing fiche
    again = _run(runner, write_finess(tmp_path, [row]), "--apply")
    assert "Brouillons créés : 0" in again.output and _count(Proposal) == 1


def test_an_archived_fiche_is_left_alone(runner, tmp_path):
    make_fiche(status="archivee", name="CMPP archivé", type_code="cmpp", finess="570099992")
    db.session.commit()
    result = _run(runner, write_finess(tmp_path, [_cmpp()]), "--apply")
    assert "Fiches archivées, laissées de côté : 1" in result.output
    assert _count(Proposal) == 0 and _count(Fiche) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"fiches": []}\n', "n'est pas une extraction FINESS"),
        (b"finess;etalab;111;2026-05-12\nstructureet;570099994;570000000;COURTE\n",
         "Ligne 2 : 4 colonne(s) au lieu de 32."),
        (b"finess;etalab;111;2026-05-12\nstructureet;57009999\x81\n",
         "Ligne 2 : caractères illisibles en Windows-1252"),
        (b"finess;etalab;111;2026-05-12\nautrechose;1;2\n", "type de ligne inconnu « autrechose »"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_in_french_and_nothing_is_written(runner, tmp_path, content, message):
    make_fiche(name="CMPP existant", type_code="cmpp", finess="570099992")
    db.session.commit()
    good = write_finess(tmp_path, camsp_metz() + [_cmpp()]).read_bytes()
    path = tmp_path / "mauvais.csv"
    path.write_bytes(content if content.startswith(b"{") else content + good.split(b"\n", 1)[1])
    result = _run(runner, path, "--apply")
    assert result.exit_code == 1
    assert message in result.output
    assert "rien n'a été écrit" in result.output
    assert (_count(Fiche), _count(Proposal)) == (1, 0)


def test_one_row_the_standard_refuses_stops_the_whole_file(runner, tmp_path):
    nameless = structure("570099995", commune="463", departement="57", categetab="190")
    result = _run(runner, write_finess(tmp_path, camsp_metz() + [nameless]), "--apply")
    assert result.exit_code == 1
    assert (
        "Ligne 570099995 (sans nom) — champ « nom » : Ce champ ne peut pas être vide."
        in result.output
    )
    assert "1 erreur(s) : rien n'a été écrit." in result.output
    assert _count(Fiche) == 0
