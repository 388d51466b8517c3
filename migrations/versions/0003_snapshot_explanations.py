"""Explanations published with each snapshot: one row per subject, one JSON document per axis

Revision ID: 0003_snapshot_explanations
Revises: 0002_snapshot_scores_page_index
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0003_snapshot_explanations'
down_revision: str | None = '0002_snapshot_scores_page_index'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('snapshot_explanations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('snapshot_id', sa.Uuid(), nullable=False),
    sa.Column('subject_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('performance', sa.LargeBinary(), nullable=False),
    sa.Column('innovation', sa.LargeBinary(), nullable=False),
    sa.Column('trust', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_snapshot_explanations_snapshot_id_snapshots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshot_explanations'))
    )
    with op.batch_alter_table('snapshot_explanations', schema=None) as batch_op:
        batch_op.create_index('ix_snapshot_explanations_lookup', ['snapshot_id', 'subject_type', 'subject_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('snapshot_explanations', schema=None) as batch_op:
        batch_op.drop_index('ix_snapshot_explanations_lookup')

    op.drop_table('snapshot_explanations')
