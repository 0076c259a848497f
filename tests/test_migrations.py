"""Migrations: one Alembic head, and the models match the migrated schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from directory.extensions import db


def test_there_is_a_single_alembic_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migrated_schema_matches_the_models(app):
    context = MigrationContext.configure(db.session.connection())
    assert compare_metadata(context, db.metadata) == []
