"""Table scheduled_runs: one row per instant of the aggregation schedule that fired

Revision ID: 0007_scheduled_runs
Revises: 0006_outbox_claims
Create Date: 2026-11-29 22:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.core.db

revision: str = '0007_scheduled_runs'
down_revision: str | None = '0006_outbox_claims'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('scheduled_runs',
    sa.Column('job_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('instant', services.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', services.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('job_key', name=op.f('pk_scheduled_runs'))
    )
    with op.batch_alter_table('scheduled_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduled_runs_instant'), ['instant'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('scheduled_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduled_runs_instant'))

    op.drop_table('scheduled_runs')
