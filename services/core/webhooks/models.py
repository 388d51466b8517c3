import uuid
from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from services.core.db import UTCDateTime
from services.core.models_base import created_at_field, id_field, serial_id_column


class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscriptions"

    id: uuid.UUID = id_field()
    url: str = Field(max_length=2000)
    events: list = Field(sa_column=Column(JSON, nullable=False))
    # Needed in clear to sign each delivery (HMAC); shown to staff only at creation.
    secret: str = Field(max_length=100)
    active: bool = True
    disabled_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_at_field()


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscriber. Its id is the `webhook-id`, the same on every retry."""

    __tablename__ = "webhook_deliveries"

    id: uuid.UUID = id_field()
    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscriptions.id", index=True)
    event_type: str = Field(max_length=64)
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    created_at: datetime = created_at_field()


class WebhookAttempt(SQLModel, table=True):
    """Every delivery attempt, successful or not: the delivery log."""

    __tablename__ = "webhook_attempts"

    id: int | None = Field(default=None, sa_column=serial_id_column())
    delivery_id: uuid.UUID = Field(foreign_key="webhook_deliveries.id", index=True)
    attempt: int
    attempted_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=1000)
    duration_ms: int | None = None
