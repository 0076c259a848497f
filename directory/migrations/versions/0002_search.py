"""Search: queue of index operations that could not be written yet

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 16:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_pending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document', sa.String(length=80), nullable=False),
    sa.Column('op', sa.String(length=10), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_pending'))
    )
    with op.batch_alter_table('search_pending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_pending_document'), ['document'], unique=False)


def downgrade():
    with op.batch_alter_table('search_pending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_pending_document'))

    op.drop_table('search_pending')
