"""`flask imports annuaire FILE [--apply]`: the Annuaire de l'administration, in the layout of
the shared 2016 extract (real records) and in the current export's layout (fictional ones)."""

import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.fiches.editing import load_record
from directory.fiches.models import Fiche, Statut
from directory.fiches.services import Actor, create_fiche
from directory.imports.annuaire_export import parse_current
from directory.imports.models import Proposal, ProposalKind, ProposalOrigin
from directory.imports.proposals import accept
from tests.builders import make_fiche, make_user
from tests.imports.dataset_files import annuaire_record, write_annuaire

EXTRACT = Path(__file__).resolve().parents[1] / "fixtures" / "annuaire-dila-2015-extrait.json"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _run(runner, path, *options):
    return runner.invoke(args=["imports", "annuaire", str(path), *options])


def _cites(ref: str) -> Fiche | None:
    """The fiche whose source cites a DILA record."""
    return next(
        (f for f in db.session.scalars(select(Fiche)) if any(ref in s.title for s in f.sources)),
        None,
    )


def test_real_records_dry_run_then_apply_then_nothing_new(runner):
    dry = _run(runner, EXTRACT)
    assert dry.exit_code == 0, dry.output
    assert "6 enregistrement(s) lu(s), 6 retenu(s)" in dry.output
    assert "Brouillons à créer : 6" in dry.output
    assert "Essai à blanc : rien n'a été écrit." in dry.output
    assert _count(Fiche) == 0

    applied = _run(runner, EXTRACT, "--apply")
    assert applied.exit_code == 0, applied.output
    assert "Écrit : 6 brouillon(s) et 0 proposition(s)." in applied.output
    clic = _cites("clic-57463-01")
    assert clic.status == Statut.BROUILLON and clic.type_code == "clic"
    assert (clic.phone, clic.email) == ("03 87 56 87 76", "clicmosellemetz@cg57.fr")
    assert (clic.address_line1, clic.commune_code) == ("36 place Saint-Thibault", "57463")
    source = clic.sources[0]
    assert (source.level.value, source.fact_date) == ("tiers", "2015-05-26")

    again = _run(runner, EXTRACT, "--apply")
    assert "Brouillons créés : 0" in again.output
    assert "Fiches déjà à jour (rien à proposer) : 6" in again.output
    assert _count(Fiche) == 6 and _count(Proposal) == 0


def test_a_known_mdph_gets_field_proposals_not_changes(runner):
    mdph = make_fiche(
        name="Maison départementale des personnes handicapées de la Moselle",
        type_code="mdph",
        commune_code="57463",
    )
    db.session.commit()
    result = _run(runner, EXTRACT, "--apply")
    assert result.exit_code == 0, result.output
    assert f"{mdph.slug} ← maison_handicapees-57463-01 (même type, même commune" in result.output
    proposed = {
        p.field: p.proposed_value
        for p in db.session.scalars(select(Proposal).where(Proposal.fiche_id == mdph.id))
    }
    assert proposed["telephone"] == "03 87 21 83 00"
    assert proposed["courriel"] == "mdph@cg57.fr"
    assert proposed["site_web"] == "http://www.mdph57.fr"
    assert proposed["adresse"]["ligne1"] == "1, rue Claude-Chappe"
    db.session.refresh(mdph)
    assert mdph.phone is None and mdph.email is None


def test_two_fiches_of_the_same_name_and_commune_make_a_possible_duplicate(runner, tmp_path):
    first = make_fiche(name="CLIC de Strasbourg", type_code="clic", commune_code="67482")
    second = make_fiche(name="CLIC - Strasbourg", type_code="clic", commune_code="67482")
    db.session.commit()
    result = _run(runner, EXTRACT, "--apply")
    assert (
        "Doublons possibles (même type et même nom normalisé, sans identifiant) : 2"
        in result.output
    )
    duplicates = db.session.scalars(select(Proposal).where(Proposal.kind == ProposalKind.DOUBLON))
    assert {p.fiche_id for p in duplicates} == {first.id, second.id}


def test_the_current_export_finds_the_2015_record_by_its_former_id(runner, tmp_path):
    assert _run(runner, EXTRACT, "--apply").exit_code == 0
    clic = _cites("clic-57463-01")
    record = annuaire_record(
        "clic-57463-01",
        nom="Point d'information local dédié aux personnes âgées - Metz (FICTIF)",
        telephone=[{"valeur": "03 87 99 99 02", "description": ""}],
    )
    result = _run(runner, write_annuaire(tmp_path, [record]), "--apply")
    assert result.exit_code == 0, result.output
    assert "Brouillons créés : 0" in result.output
    assert f"{clic.slug} ← clic-57463-01 (même identifiant)" in result.output
    proposed = {p.field: p for p in db.session.scalars(select(Proposal))}
    assert proposed["telephone"].proposed_value == "03 87 99 99 02"
    assert proposed["horaires"].proposed_value == "Lundi au vendredi : 09:00–12:00 et 13:30–17:00"
    assert proposed["telephone"].origin == ProposalOrigin.ANNUAIRE
    assert proposed["telephone"].source_date == "2025-08-09"
    assert proposed["telephone"].source_url.endswith("/grand-est/moselle/clic-57463-01")


def test_a_new_record_of_the_current_export_becomes_a_draft(runner, tmp_path):
    record = annuaire_record(
        "clic-57999-01",
        nom="CLIC FICTIF du Pays messin",
        siret="99999999900029",
        pivot=[{"type_service_local": "clic", "code_insee_commune": ["57463"]}],
    )
    outside = annuaire_record("clic-75056-01", code_insee_commune="75056")
    mairie = annuaire_record("mairie-57463-01", pivot=[{"type_service_local": "mairie"}])
    result = _run(runner, write_annuaire(tmp_path, [record, outside, mairie]), "--apply")
    assert result.exit_code == 0, result.output
    assert "3 enregistrement(s) lu(s), 1 retenu(s)" in result.output
    draft = db.session.scalar(select(Fiche).where(Fiche.name == "CLIC FICTIF du Pays messin"))
    assert draft.status == Statut.BROUILLON and draft.siret == "99999999900029"
    assert draft.opening_hours == "Lundi au vendredi : 09:00–12:00 et 13:30–17:00"
    assert (draft.address_line1, draft.address_line2) == ("1 rue Fictive", "Maison fictive")
    assert (draft.latitude, draft.longitude) == (49.1196, 6.1757)
    assert draft.website == "https://clic-fictif.exemple.fr"


def test_the_api_export_writes_nested_lists_as_json_text(tmp_path):
    record = annuaire_record("clic-57463-01")
    for key in ("pivot", "adresse", "telephone", "adresse_courriel", "plage_ouverture"):
        record[key] = json.dumps(record[key], ensure_ascii=False)
    entry = parse_current(record)
    assert (entry.type_code, entry.phone, entry.email) == (
        "clic",
        "03 87 99 99 02",
        "clic-fictif@exemple.fr",
    )
    assert entry.address["code_postal"] == "57000" and entry.refs[0] == "clic-57463-01"


def test_the_data_gouv_archive_is_read_without_extracting_it(runner, tmp_path):
    body = json.dumps({"service": [annuaire_record("clic-57998-01", nom="CLIC FICTIF")]}).encode()
    archive = tmp_path / "annuaire.tar.bz2"
    with tarfile.open(archive, "w:bz2") as tar:
        info = tarfile.TarInfo("2026-05-12_000000-data.gouv_local.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    result = _run(runner, archive)
    assert result.exit_code == 0, result.output
    assert "Brouillons à créer : 1" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("ceci n'est pas du JSON", "n'est pas un fichier de l'Annuaire"),
        ('{"service": [{"id": "x", "pivot": [}', "Fichier illisible"),
    ],
)
def test_a_bad_file_is_refused_in_french_and_nothing_is_written(runner, tmp_path, content, message):
    path = tmp_path / "annuaire.json"
    path.write_text(content, encoding="utf-8")
    result = _run(runner, path, "--apply")
    assert result.exit_code == 1
    assert message in result.output and "rien n'a été écrit" in result.output
    assert _count(Fiche) == 0 and _count(Proposal) == 0


def test_values_the_standard_refuses_are_left_out_and_never_proposed(runner, tmp_path):
    # 51261 (Fresne-lès-Reims) merged into 51075 in 2017; 57999 is no commune at all.
    merged = annuaire_record("clic-51261-01", nom="CLIC FICTIF A", code_insee_commune="51261")
    unknown = annuaire_record(
        "clic-57999-01", nom="CLIC FICTIF B", adresse_courriel=["direction@"],
        code_insee_commune="57999",
    )  # fmt: skip
    path = write_annuaire(tmp_path, [merged, unknown])
    first = _run(runner, path, "--apply")
    assert first.exit_code == 0, first.output
    assert "inconnu de la géographie) : adresse.commune, courriel" in first.output
    a = db.session.scalar(select(Fiche).where(Fiche.name == "CLIC FICTIF A"))
    assert a.commune_code == "51075"
    b = db.session.scalar(select(Fiche).where(Fiche.name == "CLIC FICTIF B"))
    assert b.email is None and b.phone == "03 87 99 99 02"
    assert (b.address_line1, b.postcode, b.commune_code) == ("1 rue Fictive", "57000", None)
    second = _run(runner, path, "--apply")
    assert "Écrit : 0 brouillon(s) et 0 proposition(s)." in second.output


def test_a_record_of_one_of_the_fiches_sites_is_proposed_on_that_site(runner):
    record = {
        "nom": "CLIC fictif de l'Eurométropole", "type": "clic", "statut": "publiee",
        "resume": "CLIC fictif.", "missions": "Informer.", "telephone": "03 88 00 00 01",
        "adresse": {"ligne1": "1 rue Fictive", "code_postal": "67800", "commune": "67043"},
        "sites": [
            {"nom": "Site de Strasbourg", "telephone": "03 88 00 00 02",
             "adresse": {"ligne1": "1 petite rue de la Fonderie", "commune": "67482"}},
            {"nom": "Site de Colmar", "adresse": {"commune": "68066"}},
        ],
        "sources": [{"titre": "Annuaire (DILA) — enregistrement clic-67482-02", "niveau": "tiers"}],
    }  # fmt: skip
    data, errors = load_record(record)
    assert not errors
    fiche = create_fiche(data, Actor(label="test"))
    db.session.commit()
    result = _run(runner, EXTRACT, "--apply")
    assert f"{fiche.slug} ← clic-67482-02 (même identifiant) : sites" in result.output
    proposal = db.session.scalar(select(Proposal).where(Proposal.fiche_id == fiche.id))
    strasbourg, colmar = proposal.proposed_value
    assert strasbourg["telephone"] == "03 88 15 77 50" and colmar["nom"] == "Site de Colmar"
    accept(proposal, make_user("admin"), by_service=False)
    db.session.commit()
    db.session.refresh(fiche)
    assert [s.phone for s in fiche.sites] == ["03 88 15 77 50", None]
    assert fiche.phone == "03 88 00 00 01"
