"""An index for pages of a snapshot's scores of one subject type, in id order

Revision ID: 0002_snapshot_scores_page_index
Revises: 0001_initial
Create Date: 2026-11-26 13:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0002_snapshot_scores_page_index'
down_revision: str | None = '0001_initial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('snapshot_scores', schema=None) as batch_op:
        batch_op.create_index('ix_snapshot_scores_page', ['snapshot_id', 'subject_type', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('snapshot_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_snapshot_scores_page')
