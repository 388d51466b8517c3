"""Table registry_tag: a value that every committed write to the registry's listed tables changes

Kept by triggers (services/core/registry_tag.py says why they are written this way). On SQLite,
a later migration that rebuilds one of these tables in batch mode drops its triggers: it must
create them again (tests/api/test_list_answers.py checks that every one is in place).

Revision ID: 0008_registry_tag
Revises: 0007_scheduled_runs
Create Date: 2026-11-30 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_registry_tag"
down_revision: str | None = "0007_scheduled_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables of services.core.registry_tag.TAGGED_TABLES as of this migration; a later one that
# tags another table adds its triggers (tests/api/test_list_answers.py writes to each table of
# TAGGED_TABLES and checks that the tag changes).
TABLES = (
    "territories",
    "catalysts",
    "catalyst_trades",
    "alliances",
    "alliance_catalysts",
    "alliance_domains",
    "alliance_sdgs",
)

# Once per transaction (the flag is local to it), as it commits: a new random tag.
POSTGRESQL_FUNCTION = """
CREATE FUNCTION registry_tag_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('observatoire.registry_tag_changed', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('observatoire.registry_tag_changed', 'on', true);
        UPDATE registry_tag
           SET tag = ('x' || substr(md5(random()::text || clock_timestamp()::text), 1, 16))::bit(64)::bigint
         WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "registry_tag",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_tag")),
    )
    op.execute("INSERT INTO registry_tag (id, tag) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        for table in TABLES:
            op.execute(
                "CREATE CONSTRAINT TRIGGER registry_tag_on_write"
                f" AFTER INSERT OR UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_tag_change()"
            )
            op.execute(
                f"CREATE TRIGGER registry_tag_on_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION registry_tag_change()"
            )
        return
    for table in TABLES:
        for operation in ("insert", "update", "delete"):
            op.execute(
                f"CREATE TRIGGER registry_tag_on_{operation}_{table} AFTER {operation.upper()} ON {table} "
                "BEGIN UPDATE registry_tag SET tag = random() WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER registry_tag_on_write ON {table}")
            op.execute(f"DROP TRIGGER registry_tag_on_truncate ON {table}")
        op.execute("DROP FUNCTION registry_tag_change()")
    else:
        for table in TABLES:
            for operation in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER registry_tag_on_{operation}_{table}")
    op.drop_table("registry_tag")
