"""Previews: a snapshot's inputs rescored with a draft configuration, and their score rows

Revision ID: 0004_previews
Revises: 0003_snapshot_explanations
Create Date: 2026-11-29 19:33:20.810533
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.core.db

revision: str = '0004_previews'
down_revision: str | None = '0003_snapshot_explanations'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('previews',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('snapshot_id', sa.Uuid(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('config_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('knowledge_cutoff', services.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('input_watermark', sa.JSON(), nullable=True),
    sa.Column('requested_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', services.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', services.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', services.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', services.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', services.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_previews_snapshot_id_snapshots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_previews'))
    )
    with op.batch_alter_table('previews', schema=None) as batch_op:
        batch_op.create_index('ix_previews_active', ['snapshot_id', 'config_hash', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_previews_expires_at'), ['expires_at'], unique=False)

    op.create_table('preview_scores',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('preview_id', sa.Uuid(), nullable=False),
    sa.Column('subject_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('axis', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('coverage', sa.Float(), nullable=True),
    sa.Column('lower', sa.Float(), nullable=True),
    sa.Column('upper', sa.Float(), nullable=True),
    sa.Column('delta_1y', sa.Float(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('n_indicators', sa.Integer(), nullable=True),
    sa.Column('n_scored_indicators', sa.Integer(), nullable=True),
    sa.Column('n_alliances', sa.Integer(), nullable=True),
    sa.Column('n_scored', sa.Integer(), nullable=True),
    sa.Column('median', sa.Float(), nullable=True),
    sa.Column('p25', sa.Float(), nullable=True),
    sa.Column('p75', sa.Float(), nullable=True),
    sa.Column('min', sa.Float(), nullable=True),
    sa.Column('max', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['preview_id'], ['previews.id'], name=op.f('fk_preview_scores_preview_id_previews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preview_scores'))
    )
    with op.batch_alter_table('preview_scores', schema=None) as batch_op:
        batch_op.create_index('ix_preview_scores_lookup', ['preview_id', 'subject_type', 'subject_id', 'axis'], unique=False)
        batch_op.create_index('ix_preview_scores_page', ['preview_id', 'subject_type', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('preview_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_preview_scores_page')
        batch_op.drop_index('ix_preview_scores_lookup')

    op.drop_table('preview_scores')
    with op.batch_alter_table('previews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_previews_expires_at'))
        batch_op.drop_index('ix_previews_active')

    op.drop_table('previews')
