"""The real seed: loaded by `flask seed load`, idempotent, sourced, covering the region."""

from sqlalchemy import func, select

from directory.extensions import db
from directory.fiches.models import Fiche, FicheHistory, FicheTerritory, Statut
from directory.organisations.models import Organisation

DEPARTEMENTS = ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88")


def _counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Fiche, FicheHistory, FicheTerritory, Organisation)
    )


def test_seed_load_twice_writes_nothing_the_second_time(runner):
    first = runner.invoke(args=["seed", "load"])
    assert first.exit_code == 0, first.output
    assert "fiche(s) créée(s)" in first.output
    counts = _counts()
    second = runner.invoke(args=["seed", "load"])
    assert second.exit_code == 0, second.output
    assert "0 fiche(s) créée(s), 0 modifiée(s)" in second.output
    assert _counts() == counts


def test_every_departement_has_its_mdph_or_mda(seeded):
    covered = db.session.scalars(
        select(FicheTerritory.code)
        .join(Fiche)
        .where(
            Fiche.type_code == "mdph",
            Fiche.status == Statut.PUBLIEE,
            FicheTerritory.level == "departement",
        )
    ).all()
    assert sorted(set(covered)) == list(DEPARTEMENTS)
    alsace = db.session.scalar(select(Fiche).where(Fiche.slug == "mph-alsace"))
    assert sorted(t.code for t in alsace.territories) == ["67", "68"]


def test_every_seed_fiche_has_sources_and_is_real(seeded):
    fiches = db.session.scalars(select(Fiche)).all()
    assert len(fiches) >= 20
    assert all(f.sources for f in fiches)
    assert not any(f.fictive for f in fiches)


def test_the_pta_is_archived_and_leads_to_the_dac(seeded):
    pta = db.session.scalar(select(Fiche).where(Fiche.slug == "pta-grand-nancy"))
    assert pta.status == Statut.ARCHIVEE
    assert [(link.kind.value, link.to_fiche.slug) for link in pta.links_out] == [
        ("oriente_vers", "dac-54")
    ]


def test_only_the_aube_mdph_rests_on_the_law_alone(seeded):
    law_only = [f.slug for f in db.session.scalars(select(Fiche)) if f.existence_from_law]
    assert law_only == ["mdph-aube"]


def test_seed_history_is_labelled_seed(seeded):
    labels = set(db.session.scalars(select(FicheHistory.actor_label)))
    assert labels == {"seed"}
    assert db.session.scalar(select(func.count()).where(FicheHistory.actor_id.is_not(None))) == 0


def test_local_services_have_no_territory_but_a_commune(seeded):
    camsp = db.session.scalar(select(Fiche).where(Fiche.slug == "camsp-nancy"))
    assert camsp.territories == []
    assert camsp.commune_code == "54395"


def test_completeness_is_lower_when_fields_are_missing(seeded):
    aube = db.session.scalar(select(Fiche).where(Fiche.slug == "mdph-aube"))
    moselle = db.session.scalar(select(Fiche).where(Fiche.slug == "mdph-moselle"))
    assert 0 < aube.completeness < moselle.completeness <= 100


def test_seed_load_refuses_a_broken_seed_and_writes_nothing(runner, tmp_path):
    import json
    import shutil

    from directory.imports.seed import SEED_DIR

    shutil.copy(SEED_DIR / "organisations.json", tmp_path / "organisations.json")
    content = json.loads((SEED_DIR / "fiches.json").read_text(encoding="utf-8"))
    content["fiches"][1]["territoire"] = [{"niveau": "departement", "code": "75"}]
    (tmp_path / "fiches.json").write_text(json.dumps(content), encoding="utf-8")
    result = runner.invoke(args=["seed", "load", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        "Fiche n° 2 (Maison départementale des personnes handicapées de la Marne) — champ "
        "« territoire » : Territoire inconnu de la géographie du Grand Est : departement 75."
    ) in result.output
    assert db.session.scalar(select(func.count()).select_from(Fiche)) == 0
