"""Indexes of the public pages: published fiches by name, territories by code

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fiches', schema=None) as batch_op:
        batch_op.create_index('ix_fiches_status_name', ['status', 'name', 'id'], unique=False)
    with op.batch_alter_table('fiche_territories', schema=None) as batch_op:
        batch_op.create_index('ix_fiche_territories_level_code', ['level', 'code'], unique=False)


def downgrade():
    with op.batch_alter_table('fiche_territories', schema=None) as batch_op:
        batch_op.drop_index('ix_fiche_territories_level_code')
    with op.batch_alter_table('fiches', schema=None) as batch_op:
        batch_op.drop_index('ix_fiches_status_name')
