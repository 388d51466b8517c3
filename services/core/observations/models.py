import uuid
from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.db import UTCDateTime
from services.core.models_base import id_field, serial_id_column
from services.core.observations.service import MAX_COMMENT_LENGTH, MAX_SOURCE_LENGTH, MAX_STATUS_LENGTH


class ObservationValue(SQLModel):
    """What one revision of an observation says."""

    value: float
    status: str = Field(max_length=MAX_STATUS_LENGTH)
    source: str | None = Field(default=None, max_length=MAX_SOURCE_LENGTH)
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_LENGTH)


class Observation(ObservationValue, table=True):
    """The current value of an indicator for one period: one row per (indicator, period).

    A correction updates this row and appends a revision; the revisions keep every value
    ever reported, so nothing is lost.
    """

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("indicator_id", "period_start", "period_end"),
        Index("ix_observations_indicator_period_end", "indicator_id", "period_end"),
    )

    id: uuid.UUID = id_field()
    indicator_id: uuid.UUID = Field(foreign_key="indicators.id")
    period_start: date
    period_end: date
    revision: int = 1
    recorded_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    recorded_by: uuid.UUID | None = None


# An observation as the API shows it and as bulk writes and CSV exports lay it out; a revision
# has the same fields, with `observation_id` in place of `id`.
OBSERVATION_FIELDS = (
    "id", "indicator_id", "period_start", "period_end", "value", "status", "source", "comment",
    "revision", "recorded_at", "recorded_by",
)  # fmt: skip


class ObservationRevision(ObservationValue, table=True):
    __tablename__ = "observation_revisions"
    # Revisions are the bulk of every write: they carry no index or foreign key beyond what
    # integrity needs. `indicator_id` repeats the observation's (for set-based reads by
    # indicator) and is checked through the observation, not by a second foreign key.
    __table_args__ = (UniqueConstraint("observation_id", "revision"),)

    id: int | None = Field(default=None, sa_column=serial_id_column())
    observation_id: uuid.UUID = Field(foreign_key="observations.id")
    indicator_id: uuid.UUID
    period_start: date
    period_end: date
    revision: int
    recorded_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    recorded_by: uuid.UUID | None = None
