import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AnyHttpUrl, Field, UrlConstraints

from services.core.schemas_base import InputModel, OutputModel
from services.core.webhooks.events import EVENT_TYPES

EventType = Literal[EVENT_TYPES]
DeliveryStatus = Literal["pending", "succeeded", "failed", "disabled"]


def _unique(values: list) -> list:
    if len(set(values)) != len(values):
        raise ValueError("duplicates are not allowed")
    return values


WebhookUrl = Annotated[
    AnyHttpUrl,
    UrlConstraints(max_length=2000, allowed_schemes=["http", "https"]),
    Field(description="Where events are POSTed: a public http(s) URL, without credentials."),
]
Events = Annotated[
    list[EventType],
    Field(min_length=1, description="The event types to receive; each at most once."),
    AfterValidator(_unique),
]


class WebhookCreate(InputModel):
    url: WebhookUrl
    events: Events


class WebhookUpdate(InputModel):
    url: WebhookUrl | None = None
    events: Events | None = None
    active: bool | None = Field(
        default=None,
        description="false stops deliveries; true resumes them and clears `disabled_reason`.",
    )


class WebhookRead(OutputModel):
    id: uuid.UUID
    url: str
    events: list[EventType]
    active: bool
    disabled_reason: str | None = Field(
        description="Why deliveries stopped: the receiver answered 410 Gone, or staff deactivated it."
    )
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(
        description="The signing secret (`whsec_` + base64), shown in this response only: store it now."
    )


class AttemptRead(OutputModel):
    attempt: int
    attempted_at: datetime
    status_code: int | None = Field(description="The receiver's HTTP status; null when there was none.")
    error: str | None = Field(description="Why the attempt failed without a 2xx answer.")
    duration_ms: int | None


class DeliveryRead(OutputModel):
    id: uuid.UUID = Field(description="The `webhook-id` header, the same on every retry.")
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="When the next attempt is due, while pending.")
    last_status_code: int | None
    created_at: datetime
    payload: dict[str, Any] = Field(description="The event as sent: `{type, timestamp, data}`.")
    attempts_log: list[AttemptRead] = Field(description="Every attempt, first to last.")

    @classmethod
    def of(cls, delivery: Any, attempts: list[Any]) -> "DeliveryRead":
        fields = {name: getattr(delivery, name) for name in cls.model_fields if name != "attempts_log"}
        return cls(**fields, attempts_log=[AttemptRead.model_validate(attempt) for attempt in attempts])
