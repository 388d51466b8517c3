"""Reads of snapshots: the ids on PostgreSQL straight from the driver, and the list of a
snapshot's score rows (see list_queries). And the writes of score rows, a snapshot's or a
preview's."""

import json
import uuid
from typing import Any

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.db import driver_connection, uses_postgresql
from services.core.list_queries import Filter, ListQuery, read_columns
from services.core.models_base import table_of
from services.core.pagination import BIG_INTEGER_CURSOR
from services.core.snapshots.models import SCORE_FIELDS, SnapshotScore
from services.core.snapshots.schemas import ScoreRead


async def latest_id(session: AsyncSession) -> uuid.UUID | None:
    connection = await driver_connection(session)
    return await connection.fetchval("SELECT id FROM snapshots ORDER BY id DESC LIMIT 1")


async def existing_id(session: AsyncSession, snapshot_id: uuid.UUID) -> uuid.UUID | None:
    connection = await driver_connection(session)
    return await connection.fetchval("SELECT id FROM snapshots WHERE id = $1", snapshot_id)


def score_filters(owner) -> dict[str, Filter]:
    """The filters of a list of score rows: `owner` is the column that names whose rows they
    are (`SnapshotScore.snapshot_id`, `PreviewScore.preview_id`), both tables having the same
    rows; the filter `owner` takes its id."""
    table = owner.class_.__table__
    return {
        "owner": Filter(lambda owner_id: table.c[owner.key] == owner_id),
        "subject_type": Filter(lambda subject_type: table.c.subject_type == subject_type),
        "subject_id": Filter(lambda subject_id: table.c.subject_id == subject_id),
        "axis": Filter(lambda axis: table.c.axis == axis),
    }


def _json_list(flags):
    # A JSON column: text unless the connection decodes it.
    return orjson.loads(flags) if isinstance(flags, str) else flags


def score_list(owner) -> ListQuery:
    """The list of score rows of the table of `owner` (see score_filters), as ScoreRead
    lays them out, in id order: a snapshot's and a preview's are read alike."""
    table = table_of(owner.class_)
    return ListQuery(
        model=owner.class_,
        columns=read_columns(ScoreRead, table),
        where=(),
        filters=score_filters(owner),
        key=table.c.id,
        cursor_format=BIG_INTEGER_CURSOR,
        decoders={"flags": _json_list},
    )


SNAPSHOT_SCORE_LIST = score_list(SnapshotScore.snapshot_id)


async def insert_score_rows(
    session: AsyncSession, owner, owner_id: uuid.UUID, rows: list[dict[str, Any]]
) -> None:
    """Write `rows` (their SCORE_FIELDS) as the score rows of `owner_id` in the table of
    `owner` (see score_filters), in the transaction of `session`."""
    if not rows:
        return
    table = table_of(owner.class_)
    if uses_postgresql(session):
        # Tens of thousands of rows: COPY on the transaction's own connection.
        connection = await driver_connection(session)
        records = [
            (owner_id, *(json.dumps(row[f]) if f == "flags" else row.get(f) for f in SCORE_FIELDS))
            for row in rows
        ]
        await connection.copy_records_to_table(
            table.name, records=records, columns=(owner.key, *SCORE_FIELDS)
        )
        return
    await session.execute(
        insert(table), [{owner.key: owner_id, **{f: row.get(f) for f in SCORE_FIELDS}} for row in rows]
    )
