"""Reading values back: an indicator's series (as it is now, or as it was known at an instant)
and the revision history of one value."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.errors import Invalid, NotFound
from services.core.indicators.models import Indicator
from services.core.indicators.service import get_indicator
from services.core.models_base import table_of
from services.core.observations.models import OBSERVATION_FIELDS, Observation, ObservationRevision
from services.core.pagination import INTEGER_CURSOR, SERIES_CURSOR, page_of, paginate, series_position

Granularity = Literal["month", "quarter", "year"]


def _bucket(period_end: date, granularity: Granularity) -> tuple[int, int]:
    if granularity == "year":
        return (period_end.year, 0)
    if granularity == "quarter":
        return (period_end.year, (period_end.month - 1) // 3)
    return (period_end.year, period_end.month)


def _sort_key(row: dict[str, Any]) -> tuple:
    return (row["period_end"], row["period_start"], str(row["id"]))


def _position(row: dict[str, Any]) -> tuple[int, int, bytes]:
    """The sort key in the form cursors decode to; it orders rows as `_sort_key` does."""
    return series_position(row["period_end"], row["period_start"], uuid.UUID(str(row["id"])))


async def _rows_now(session: AsyncSession, indicator_id: uuid.UUID, start, end) -> list[dict[str, Any]]:
    table = table_of(Observation)
    statement = select(table).where(table.c.indicator_id == indicator_id)
    if start is not None:
        statement = statement.where(table.c.period_end >= start)
    if end is not None:
        statement = statement.where(table.c.period_end <= end)
    return [dict(row._mapping) for row in await session.execute(statement)]


async def _rows_as_of(
    session: AsyncSession, indicator_id: uuid.UUID, start, end, as_of: datetime
) -> list[dict[str, Any]]:
    """Each value as the latest revision recorded at or before `as_of` says."""
    table = table_of(ObservationRevision)
    observations = select(table_of(Observation).c.id).where(
        table_of(Observation).c.indicator_id == indicator_id
    )
    known = (
        select(table.c.observation_id, func.max(table.c.revision).label("revision"))
        .where(table.c.observation_id.in_(observations), table.c.recorded_at <= as_of)
        .group_by(table.c.observation_id)
        .subquery()
    )
    statement = select(table).join(
        known,
        and_(table.c.observation_id == known.c.observation_id, table.c.revision == known.c.revision),
    )
    if start is not None:
        statement = statement.where(table.c.period_end >= start)
    if end is not None:
        statement = statement.where(table.c.period_end <= end)
    rows = []
    for row in await session.execute(statement):
        data = dict(row._mapping)
        data["id"] = data.pop("observation_id")
        rows.append(data)
    return rows


async def read_series(
    session: AsyncSession,
    indicator: Indicator,
    *,
    start: date | None,
    end: date | None,
    as_of: datetime | None,
    granularity: Granularity | None,
) -> list[dict[str, Any]]:
    """The values of an indicator, oldest period first, optionally the last of each bucket."""
    if start is not None and end is not None and end < start:
        raise Invalid.field(["query", "to"], "`to` is before `from`.", "date_order")
    if as_of is None:
        rows = await _rows_now(session, indicator.id, start, end)
    else:
        rows = await _rows_as_of(session, indicator.id, start, end, as_of)
    rows.sort(key=_sort_key)
    if granularity is not None:
        last_of_bucket: dict[tuple[int, int], dict[str, Any]] = {}
        for row in rows:  # sorted: a later row of the same bucket replaces an earlier one
            last_of_bucket[_bucket(row["period_end"], granularity)] = row
        rows = list(last_of_bucket.values())
    return rows


def page_of_series(rows: list[dict[str, Any]], cursor: str | None, limit: int):
    if cursor is not None:
        after = SERIES_CURSOR.decode(cursor)
        rows = [row for row in rows if _position(row) > after]
    page = rows[:limit]
    next_cursor = SERIES_CURSOR.encode(_position(page[-1])) if len(rows) > limit else None
    return page, next_cursor


async def get_observation(session: AsyncSession, observation_id: uuid.UUID) -> Observation:
    observation = await session.get(Observation, observation_id)
    if observation is None:
        raise NotFound("No observation with this id.")
    await get_indicator(session, observation.indicator_id)  # hidden with a deleted alliance
    return observation


async def list_history(session: AsyncSession, observation: Observation, *, cursor: str | None, limit: int):
    statement = select(ObservationRevision).where(col(ObservationRevision.observation_id) == observation.id)
    statement = paginate(statement, ObservationRevision.revision, cursor, limit, INTEGER_CURSOR)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda revision: revision.revision, cursor_format=INTEGER_CURSOR)


def revision_as_observation(revision: ObservationRevision) -> dict[str, Any]:
    """A revision in the shape of an observation: its id is the observation's, stable across revisions."""
    return {"id": revision.observation_id} | {
        field: getattr(revision, field) for field in OBSERVATION_FIELDS[1:]
    }
