import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from services.core.schemas_base import (
    HTTP_SCHEME_PATTERN,
    InputModel,
    JsonBoolean,
    OutputModel,
    cannot_be_emptied,
    http_url,
)
from services.core.webhooks.events import EVENT_TYPES

EventType = Literal[EVENT_TYPES]
DeliveryStatus = Literal["pending", "succeeded", "failed", "disabled"]


def _unique(values: list) -> list:
    if len(set(values)) != len(values):
        raise ValueError("duplicates are not allowed")
    return values


WebhookUrl = http_url(
    max_length=2000,
    # No `user:password@` either, as urls.check_url requires.
    pattern=HTTP_SCHEME_PATTERN + "[^/?#@]*(?:[/?#]|$)",
    description="Where events are POSTed: a public http(s) URL, without credentials.",
)
Events = Annotated[
    list[EventType],
    Field(
        min_length=1,
        max_length=len(EVENT_TYPES),
        description="The event types to receive; each at most once.",
        json_schema_extra={"uniqueItems": True},
    ),
    AfterValidator(_unique),
]


class WebhookCreate(InputModel):
    url: WebhookUrl
    events: Events


class WebhookUpdate(InputModel):
    url: WebhookUrl | None = cannot_be_emptied()
    events: Events | None = cannot_be_emptied()
    active: JsonBoolean | None = cannot_be_emptied(
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
