"""`flask fiches import`: dry run by default, all or nothing, French messages per record."""

import json

from sqlalchemy import func, select

from directory.extensions import db
from directory.fiches.models import Fiche, FicheHistory

GOOD = {
    "slug": "pcpe-test-vosges",
    "nom": "PCPE de test des Vosges",
    "type": "pcpe",
    "statut": "publiee",
    "resume": "Pôle de compétences de test.",
    "missions": "Apporter une réponse transitoire.",
    "territoire": [{"niveau": "departement", "code": "88"}],
    "publics": ["tsa"],
    "sources": [{"titre": "Déclaration du service", "niveau": "declare"}],
}


def _write(tmp_path, records):
    path = tmp_path / "fiches.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _fiche_count():
    return db.session.scalar(select(func.count()).select_from(Fiche))


def test_a_file_with_three_invalid_fields_is_refused_with_three_french_messages(runner, tmp_path):
    bad = {
        **GOOD,
        "slug": "pcpe-mauvais",
        "resume": "x" * 300,
        "age_min": -1,
        "courriel": "pas-un-courriel",
    }
    before = _fiche_count()
    result = runner.invoke(args=["fiches", "import", _write(tmp_path, [GOOD, bad]), "--apply"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("Fiche n° 2")]
    assert sorted(lines) == sorted(
        [
            "Fiche n° 2 (PCPE de test des Vosges) — champ « resume » : 280 caractères au plus.",
            "Fiche n° 2 (PCPE de test des Vosges) — champ « age_min » : "
            "Doit être supérieur ou égal à 0 et inférieur ou égal à 120.",
            "Fiche n° 2 (PCPE de test des Vosges) — champ « courriel » : "
            "Adresse électronique invalide.",
        ]
    )
    assert "3 erreur(s) : rien n'a été écrit." in result.output
    assert _fiche_count() == before


def test_unknown_codes_are_refused_by_the_referentiels_and_geography(runner, tmp_path):
    bad = {
        **GOOD,
        "type": "inexistant",
        "publics": ["tsa", "martiens"],
        "territoire": [{"niveau": "commune", "code": "75056"}],
        "liens": [{"type": "oriente_vers", "fiche": "fiche-absente"}],
    }
    result = runner.invoke(args=["fiches", "import", _write(tmp_path, [bad]), "--apply"])
    assert result.exit_code == 1
    assert "champ « type » : Type de dispositif inconnu : inexistant." in result.output
    assert "Code inconnu du référentiel « publics » : martiens." in result.output
    assert "Territoire inconnu de la géographie du Grand Est : commune 75056." in result.output
    assert "Fiche liée inconnue : fiche-absente." in result.output
    assert _fiche_count() == 0


def test_dry_run_writes_nothing_then_apply_writes_and_reimport_changes_nothing(runner, tmp_path):
    path = _write(tmp_path, [GOOD])
    dry = runner.invoke(args=["fiches", "import", path])
    assert dry.exit_code == 0, dry.output
    assert "Essai à blanc : 1 fiche(s) à créer" in dry.output
    assert _fiche_count() == 0
    applied = runner.invoke(args=["fiches", "import", path, "--apply"])
    assert "1 fiche(s) créée(s)" in applied.output
    history = db.session.scalar(select(func.count()).select_from(FicheHistory))
    again = runner.invoke(args=["fiches", "import", path, "--apply"])
    assert "0 fiche(s) créée(s), 0 modifiée(s), 1 inchangée(s)" in again.output
    assert db.session.scalar(select(func.count()).select_from(FicheHistory)) == history


def test_an_update_records_before_and_after_per_field(runner, tmp_path):
    runner.invoke(args=["fiches", "import", _write(tmp_path, [GOOD]), "--apply"])
    changed = {**GOOD, "resume": "Nouveau résumé.", "publics": ["tsa", "tnd"]}
    result = runner.invoke(args=["fiches", "import", _write(tmp_path, [changed]), "--apply"])
    assert "1 modifiée(s)" in result.output
    fiche = db.session.scalar(select(Fiche).where(Fiche.slug == GOOD["slug"]))
    last = db.session.scalars(
        select(FicheHistory)
        .where(FicheHistory.fiche_id == fiche.id)
        .order_by(FicheHistory.id.desc())
    ).first()
    rows = db.session.scalars(
        select(FicheHistory).where(FicheHistory.change_id == last.change_id)
    ).all()
    assert {(r.field, str(r.before), str(r.after)) for r in rows} == {
        ("resume", "Pôle de compétences de test.", "Nouveau résumé."),
        ("publics", "['tsa']", "['tsa', 'tnd']"),
    }
    assert fiche.version == 2


def test_an_unreadable_file_is_refused_in_french(runner, tmp_path):
    path = tmp_path / "casse.json"
    path.write_text("{pas du json", encoding="utf-8")
    result = runner.invoke(args=["fiches", "import", str(path)])
    assert result.exit_code == 1
    assert "Fichier illisible" in result.output
