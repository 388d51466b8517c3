import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from services.core.db import UTCDateTime
from services.core.models_base import created_at_field, serial_id_column


class OutboxMessage(SQLModel, table=True):
    """A task to hand to the queue, written in the same transaction as what asked for it.

    If the queue is down the row simply waits: the relay retries until it is dispatched.
    Every process relays the same outbox, so a relay first claims the rows it hands over
    (`claimed_by` until `claimed_until`): one process dispatches each row. A claim is a
    lease rather than a lock held through the dispatch, so that a process that dies between
    claim and dispatch loses nothing: once its lease expires, another relay takes the row.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "dispatched_at", "available_at"),)

    id: int | None = Field(default=None, sa_column=serial_id_column())
    task: str = Field(max_length=64)
    args: list = Field(sa_column=Column(JSON, nullable=False))
    # The queue's job id: the same task for the same thing is never queued twice.
    job_key: str = Field(max_length=200)
    available_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = created_at_field()
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=2000)


class ScheduledRun(SQLModel, table=True):
    """An instant of the aggregation schedule that fired, and the job it requested.

    Every relay loop (each API process, each worker, each replica) watches the schedule; the
    primary key, one per instant, is what makes exactly one of them request the job."""

    __tablename__ = "scheduled_runs"

    job_key: str = Field(primary_key=True, max_length=64)  # scheduled:<ISO instant>
    instant: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    job_id: uuid.UUID | None = None
    created_at: datetime = created_at_field()
