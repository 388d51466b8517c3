import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from services.core.db import UTCDateTime
from services.core.models_base import created_at_field, id_field


class AggregationJob(SQLModel, table=True):
    """One request to score everything and publish a snapshot; the record of its progress."""

    __tablename__ = "aggregation_jobs"
    __table_args__ = (Index("ix_aggregation_jobs_active", "parameters_key", "status"),)

    id: uuid.UUID = id_field()
    status: str = Field(default="queued", max_length=16)
    progress: float = 0.0
    stage: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=4000)
    as_of: date | None = None  # T; null = the UTC date when the job starts
    methodology_version: int = Field(foreign_key="methodologies.version")
    # "as_of|version": a second request with the same parameters joins the running job.
    parameters_key: str = Field(max_length=64)
    snapshot_id: uuid.UUID | None = None
    requested_by: uuid.UUID | None = None
    trigger: str = Field(default="api", max_length=16)
    # Seconds spent in each stage of the last run: {"loading": .., "scoring": .., "publishing": ..}.
    timings: dict | None = Field(default=None, sa_column=Column(JSON))
    attempts: int = 0
    cancel_requested: bool = False
    created_at: datetime = created_at_field()
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
