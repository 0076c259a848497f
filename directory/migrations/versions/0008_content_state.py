"""Content state: the stamp that caches are keyed on, changed by every committed change

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00

"""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('content_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.String(length=32), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_state'))
    )
    op.bulk_insert(
        table,
        [{'id': 1, 'version': 1, 'stamp': uuid.uuid4().hex, 'changed_at': datetime.now(UTC)}],
    )


def downgrade():
    op.drop_table('content_state')
