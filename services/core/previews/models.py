import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from services.core.db import UTCDateTime
from services.core.models_base import created_at_field, id_field, serial_id_column, table_of
from services.core.snapshots.models import SCORE_FIELDS, ScoreColumns


class Preview(SQLModel, table=True):
    """A snapshot's inputs rescored with a draft configuration: never published, kept 7 days.

    The row is also the record of the job that computes it (status, progress, stage, error),
    as an aggregation job's row is.
    """

    __tablename__ = "previews"
    __table_args__ = (Index("ix_previews_active", "snapshot_id", "config_hash", "status"),)

    id: uuid.UUID = id_field()
    snapshot_id: uuid.UUID = Field(foreign_key="snapshots.id")
    config: dict = Field(sa_column=Column(JSON, nullable=False))
    config_hash: str = Field(max_length=64)
    # The snapshot's T and K, copied when the preview is requested: the job reads as it did.
    as_of: date
    knowledge_cutoff: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(default="queued", max_length=16)
    progress: float = 0.0
    stage: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=4000)
    attempts: int = 0
    cancel_requested: bool = False
    counts: dict | None = Field(default=None, sa_column=Column(JSON))
    input_watermark: dict | None = Field(default=None, sa_column=Column(JSON))
    requested_by: uuid.UUID | None = None
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PreviewScore(ScoreColumns, table=True):
    """A score row of a preview: the columns of a snapshot's score row."""

    __tablename__ = "preview_scores"
    __table_args__ = (
        Index("ix_preview_scores_lookup", "preview_id", "subject_type", "subject_id", "axis"),
        Index("ix_preview_scores_page", "preview_id", "subject_type", "id"),
    )

    id: int | None = Field(default=None, sa_column=serial_id_column())
    preview_id: uuid.UUID = Field(foreign_key="previews.id")


# A preview's rows are a snapshot's rows: the same fields, in the same order.
assert (
    tuple(c.name for c in table_of(PreviewScore).columns if c.name not in ("id", "preview_id"))
    == SCORE_FIELDS
)
