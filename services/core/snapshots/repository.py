"""Reads of snapshots on PostgreSQL, straight from the driver (see pg_reads)."""

import uuid

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.db import driver_connection
from services.core.pagination import BIG_INTEGER_CURSOR
from services.core.pg_reads import Statement, select_list
from services.core.snapshots.schemas import ScoreRead


async def latest_id(session: AsyncSession) -> uuid.UUID | None:
    connection = await driver_connection(session)
    return await connection.fetchval("SELECT id FROM snapshots ORDER BY id DESC LIMIT 1")


async def existing_id(session: AsyncSession, snapshot_id: uuid.UUID) -> uuid.UUID | None:
    connection = await driver_connection(session)
    return await connection.fetchval("SELECT id FROM snapshots WHERE id = $1", snapshot_id)


# A page of ScoreRead rows (and the id that orders them) in one statement: the same filters
# as the service's score_rows_statement.
READ_FIELDS = tuple(ScoreRead.model_fields)
_READ_SELECT = f'SELECT {select_list(READ_FIELDS, "s")}, s.id AS "id" FROM snapshot_scores s'


async def list_read_rows(
    session: AsyncSession,
    snapshot_id: uuid.UUID,
    *,
    subject_type: str | None,
    subject_id: str | None,
    axis: str | None,
    after: int | None,
    limit: int,
) -> tuple[list[dict], str | None]:
    """Up to `limit` rows laid out as ScoreRead, and the cursor of the next page (or None)."""
    statement = Statement(_READ_SELECT)
    statement.where("s.snapshot_id = {}", snapshot_id)
    if subject_type is not None:
        statement.where("s.subject_type = {}", subject_type)
    if subject_id is not None:
        statement.where("s.subject_id = {}", subject_id)
    if axis is not None:
        statement.where("s.axis = {}", axis)
    if after is not None:
        statement.where("s.id > {}", after)
    records = await statement.fetch(session, "s.id", limit + 1)
    next_cursor = None
    if len(records) > limit:
        records = records[:limit]
        next_cursor = BIG_INTEGER_CURSOR.encode(records[-1]["id"])
    rows = []
    for record in records:
        row = dict(record)
        del row["id"]
        if isinstance(row["flags"], str):  # a JSON column: text unless the connection decodes it
            row["flags"] = orjson.loads(row["flags"])
        rows.append(row)
    return rows, next_cursor
