"""Search: the change log the indexes follow replaces the queue of pending index operations

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document', sa.String(length=80), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_changes')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('search_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_changes_changed_at'), ['changed_at'], unique=False)
    # What was still queued is a change no index has applied yet. Indexes built before the log
    # carry no applied id: they rebuild themselves on first use.
    op.execute(
        "INSERT INTO search_changes (document, changed_at) "
        "SELECT document, queued_at FROM search_pending ORDER BY id"
    )
    with op.batch_alter_table('search_pending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_pending_document'))
    op.drop_table('search_pending')


def downgrade():
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
    # Indexes older than the log rebuild themselves when stale (`flask search rebuild --if-stale`).
    with op.batch_alter_table('search_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_changes_changed_at'))
    op.drop_table('search_changes')
