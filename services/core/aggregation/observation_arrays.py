"""The candidate observation revisions of a snapshot, as NumPy arrays.

This is the one large read of an aggregation (every value of every indicator over the
lookback window: millions of rows at national scale). On PostgreSQL it is streamed with a
binary COPY straight into a NumPy structured array, without a Python object per row; other
databases go through ordinary rows.
"""

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.db import driver_connection, uses_postgresql
from services.core.models_base import table_of
from services.core.observations.models import ObservationRevision
from services.core.scoring.explain import OBSERVATION_STATUSES
from services.core.scoring.pipeline import Observations

POSTGRES_EPOCH_ORDINAL = date(2000, 1, 1).toordinal()
POSTGRES_EPOCH_MICROSECONDS = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000
COPY_HEADER_BYTES = 19  # signature (11), flags (4), header extension length (4)

# One tuple of the binary COPY below: a field count, then (length, value) per column.
_TUPLE = np.dtype(
    [
        ("fields", ">i2"),
        ("len_index", ">i4"), ("index", ">i4"),
        ("len_start", ">i4"), ("start", ">i4"),
        ("len_end", ">i4"), ("end", ">i4"),
        ("len_recorded", ">i4"), ("recorded", ">i8"),
        ("len_revision", ">i4"), ("revision", ">i8"),
        ("len_value", ">i4"), ("value", ">f8"),
    ]
)  # fmt: skip


# The same, with what an explanation cites of the value: the observation, its revision number
# and status (as the index of OBSERVATION_STATUSES, so that every column has a fixed width).
_TUPLE_WITH_DETAILS = np.dtype(
    [
        *_TUPLE.descr,
        ("len_observation", ">i4"), ("observation", "V16"),
        ("len_number", ">i4"), ("number", ">i4"),
        ("len_status", ">i4"), ("status", ">i2"),
    ]
)  # fmt: skip
_STATUS_CODE = (
    "CASE r.status "
    + " ".join(f"WHEN '{status}' THEN {code}" for code, status in enumerate(OBSERVATION_STATUSES))
    + " END::int2"
)


@dataclass(frozen=True)
class ObservationDetails:
    """Parallel to Observations: what explanations cite of each revision."""

    observation_id: np.ndarray  # 16-byte UUIDs
    status: np.ndarray
    revision_number: np.ndarray


def day_number(value: date) -> int:
    return value.toordinal()


def instant_number(value: datetime) -> int:
    """Microseconds since the Unix epoch: the integer clock of K and of the revisions."""
    return int(value.timestamp()) * 1_000_000 + value.microsecond


async def _postgres(
    session: AsyncSession,
    indicator_ids: list[uuid.UUID],
    first_end: date,
    as_of: date,
    known_at: datetime,
    details: bool,
) -> tuple[Observations, ObservationDetails | None]:
    # Through the session, so that its transaction is open: the table lives until it ends.
    await session.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS scoring_indicators "
            "(indicator_id uuid PRIMARY KEY, position int4) ON COMMIT DROP"
        )
    )
    raw = await driver_connection(session)
    await raw.copy_records_to_table(
        "scoring_indicators", records=list(zip(indicator_ids, range(len(indicator_ids)), strict=True))
    )
    buffer = io.BytesIO()
    extra = f", r.observation_id, r.revision, {_STATUS_CODE} " if details else " "
    await raw.copy_from_query(
        "SELECT s.position, r.period_start, r.period_end, r.recorded_at, r.id, r.value"
        + extra
        + "FROM observation_revisions r JOIN scoring_indicators s ON s.indicator_id = r.indicator_id "
        "WHERE r.recorded_at <= $1 AND r.period_end <= $2 AND r.period_end >= $3",
        known_at,
        as_of,
        first_end,
        output=buffer,
        format="binary",
    )
    data = buffer.getbuffer()[COPY_HEADER_BYTES:-2]  # the trailer is a field count of -1
    rows = np.frombuffer(data, dtype=_TUPLE_WITH_DETAILS if details else _TUPLE)
    observations = Observations(
        indicator=rows["index"].astype(np.int64),
        period_start=rows["start"].astype(np.int64) + POSTGRES_EPOCH_ORDINAL,
        period_end=rows["end"].astype(np.int64) + POSTGRES_EPOCH_ORDINAL,
        recorded=rows["recorded"].astype(np.int64) + POSTGRES_EPOCH_MICROSECONDS,
        revision=rows["revision"].astype(np.int64),
        value=rows["value"].astype(np.float64),
    )
    if not details:
        return observations, None
    return observations, ObservationDetails(
        observation_id=rows["observation"].copy(),
        status=rows["status"].astype(np.int8),
        revision_number=rows["number"].astype(np.int32),
    )


async def _generic(
    session: AsyncSession,
    indicator_ids: list[uuid.UUID],
    first_end: date,
    as_of: date,
    known_at: datetime,
    details: bool,
) -> tuple[Observations, ObservationDetails | None]:
    position = {indicator_id: index for index, indicator_id in enumerate(indicator_ids)}
    table = table_of(ObservationRevision).c
    statement = select(
        table.indicator_id,
        table.period_start,
        table.period_end,
        table.recorded_at,
        table.id,
        table.value,
        table.observation_id,
        table.revision,
        table.status,
    ).where(table.recorded_at <= known_at, table.period_end <= as_of, table.period_end >= first_end)
    rows = [row for row in (await session.execute(statement)).all() if row.indicator_id in position]
    observations = Observations(
        indicator=np.array([position[r.indicator_id] for r in rows], dtype=np.int64),
        period_start=np.array([day_number(r.period_start) for r in rows], dtype=np.int64),
        period_end=np.array([day_number(r.period_end) for r in rows], dtype=np.int64),
        recorded=np.array([instant_number(r.recorded_at) for r in rows], dtype=np.int64),
        revision=np.array([r.id for r in rows], dtype=np.int64),
        value=np.array([r.value for r in rows], dtype=np.float64),
    )
    if not details:
        return observations, None
    status_code = {status: code for code, status in enumerate(OBSERVATION_STATUSES)}
    return observations, ObservationDetails(
        observation_id=np.frombuffer(b"".join(r.observation_id.bytes for r in rows), dtype="V16").copy(),
        status=np.array([status_code[r.status] for r in rows], dtype=np.int8),
        revision_number=np.array([r.revision for r in rows], dtype=np.int32),
    )


async def load_observations(
    session: AsyncSession, indicator_ids: list[uuid.UUID], first_end: date, as_of: date, known_at: datetime
) -> Observations:
    """Revisions recorded at or before K, of these indicators, with a period end in [first_end, T]."""
    observations, _ = await load_observations_with_details(
        session, indicator_ids, first_end, as_of, known_at, details=False
    )
    return observations


async def load_observations_with_details(
    session: AsyncSession,
    indicator_ids: list[uuid.UUID],
    first_end: date,
    as_of: date,
    known_at: datetime,
    details: bool = True,
) -> tuple[Observations, ObservationDetails | None]:
    """The same, and with `details` what explanations cite of each revision."""
    if not indicator_ids:
        empty = np.array([], dtype=np.int64)
        return Observations.empty(), (
            ObservationDetails(np.array([], dtype="V16"), empty, empty) if details else None
        )
    if uses_postgresql(session):
        return await _postgres(session, indicator_ids, first_end, as_of, known_at, details)
    return await _generic(session, indicator_ids, first_end, as_of, known_at, details)
