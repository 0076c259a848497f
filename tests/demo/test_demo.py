"""`flask seed demo`: fictional fiches that follow the standard, in real communes, inserted fast."""

import json

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import delete, func, select

from directory.demo import generator as demo
from directory.extensions import db
from directory.fiches import services
from directory.fiches.models import Fiche, FicheHistory, FicheTerritory
from directory.fiches.referentiels import SCHEMAS_DIR
from directory.fiches.schemas import FicheSchema
from directory.territoires.models import Commune, CommunePostcode, FormerCommune


@pytest.fixture
def records(app):
    return list(demo.generate_records(300, **demo.reference_inputs()))


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_generated_fiches_are_fictive_and_mostly_published(records):
    assert all(record["fictive"] for record in records)
    assert all("fictif" in record["name"] or "fictive" in record["name"] for record in records)
    assert sum(record["status"] == "publiee" for record in records) >= 0.9 * len(records)
    assert len({record["slug"] for record in records}) == len(records)
    assert not any(record["phone"] or record["contacts"] for record in records)
    assert all(
        record["email"] is None or record["email"].endswith(".invalid") for record in records
    )


def test_generated_fiches_follow_the_published_standard(records):
    validator = Draft202012Validator(
        json.loads((SCHEMAS_DIR / "fiche.schema.json").read_text(encoding="utf-8"))
    )
    for record in records:
        dumped = FicheSchema().dump(record)
        assert list(validator.iter_errors(dumped)) == [], record["slug"]
        assert services.normalize(FicheSchema().load(dumped)) == record
    # Codes, territories and communes are checked against the database on a sample.
    for record in records[:20]:
        assert services.check_references(record) == {}, record["slug"]


def test_generated_fiches_sit_in_real_communes(records):
    known = set(db.session.scalars(select(Commune.code)))
    assert {record["address"]["commune"] for record in records} <= known
    assert all(record["latitude"] is None for record in records)


def test_generation_is_deterministic_and_has_a_large_vocabulary(app, records):
    inputs = demo.reference_inputs()
    assert list(demo.generate_records(3, start=7, **inputs)) == records[6:9]
    words = {word for record in records for word in demo.record_words(record)}
    assert len(words) >= 1500


def test_insert_demo_creates_fiches_with_territories_and_one_history_row_each(app):
    assert demo.insert_demo(200, progress=False, batch_size=64) == 200
    fictive = Fiche.fictive.is_(True)
    assert _count(Fiche, fictive) == 200
    without_territory = ~Fiche.id.in_(select(FicheTerritory.fiche_id))
    assert _count(Fiche, fictive, without_territory) == 0
    assert _count(FicheHistory, FicheHistory.actor_label == "demo") == 200
    fiche = db.session.scalar(select(Fiche).where(Fiche.slug.like("demo-200-%")))
    assert fiche.version == 1 and fiche.sources[0].title == demo.DEMO_SOURCE_TITLE

    demo.insert_demo(5, progress=False)  # a second run continues the numbering
    assert _count(Fiche, fictive) == 205
    assert _count(Fiche, Fiche.slug.like("demo-205-%")) == 1


def test_the_command_inserts_and_reports_in_french(runner):
    result = runner.invoke(args=["seed", "demo", "--count", "3", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "3 fiche(s) fictive(s) générée(s)" in result.output
    assert _count(Fiche, Fiche.fictive.is_(True)) == 3


def test_the_command_refuses_to_run_without_geography(runner):
    db.session.execute(delete(FormerCommune))
    db.session.execute(delete(CommunePostcode))
    db.session.execute(delete(Commune))
    result = runner.invoke(args=["seed", "demo", "--count", "3"])
    assert result.exit_code == 1
    assert "flask territoires load" in result.output
