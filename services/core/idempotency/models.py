import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.clock import utcnow
from services.core.db import UTCDateTime
from services.core.models_base import id_field


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a POST sent with an `Idempotency-Key`, replayed to its retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("owner", "key"),)

    id: uuid.UUID = id_field()
    # SHA-256 of the API key that sent it: keys are scoped per API key.
    owner: str = Field(max_length=64)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    in_progress: bool = True
    status_code: int | None = None
    response_headers: dict | None = Field(default=None, sa_column=Column(JSON))
    response_body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    # Indexed for the purge of old records (service.claim), which every keyed POST runs.
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
