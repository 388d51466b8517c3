"""The purge of old idempotency records reads an index on created_at instead of the table

The index on completed_at, which no query reads, goes.

Revision ID: 0005_idempotency_purge_index
Revises: 0004_previews
Create Date: 2026-11-29 21:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_idempotency_purge_index"
down_revision: str | None = "0004_previews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_records_completed_at")
        batch_op.create_index("ix_idempotency_records_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_records_created_at")
        batch_op.create_index("ix_idempotency_records_completed_at", ["completed_at"], unique=False)
