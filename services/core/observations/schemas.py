import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.core.indicators.schemas import Number
from services.core.observations.periods import PERIOD_FORMS, PERIOD_PATTERN
from services.core.observations.service import MAX_COMMENT_LENGTH, MAX_SOURCE_LENGTH
from services.core.schemas_base import WHITESPACE, InputModel, IsoDate, OutputModel
from services.core.vocabularies import ObservationStatus

PeriodText = Annotated[
    str,
    StringConstraints(max_length=10),
    Field(
        description=f"The period: {PERIOD_FORMS}. Sets period_start and period_end.",
        # parse_period reads the text without its surrounding whitespace.
        json_schema_extra={"pattern": f"^[{WHITESPACE}]*(?:{PERIOD_PATTERN[1:-1]})[{WHITESPACE}]*$"},
    ),
]
# One of the two ways to give a period, as `resolve_period` requires; that period_end is
# not before period_start is beyond what a schema can say. As if/then/else, which validators
# apply and client generators leave aside (an anyOf beside the properties would become one
# class per branch, each with only these fields).
PERIOD_FORMS_SCHEMA = {
    "if": {"required": ["period"], "properties": {"period": {"type": "string"}}},
    "then": {"properties": {"period_start": {"type": "null"}, "period_end": {"type": "null"}}},
    "else": {
        "required": ["period_start", "period_end"],
        "properties": {"period_start": {"type": "string"}, "period_end": {"type": "string"}},
    },
}
Source = Annotated[str, StringConstraints(max_length=MAX_SOURCE_LENGTH)]
Comment = Annotated[str, StringConstraints(max_length=MAX_COMMENT_LENGTH)]


class ObservationCreate(InputModel):
    model_config = ConfigDict(json_schema_extra=PERIOD_FORMS_SCHEMA)

    period: PeriodText | None = None
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None
    value: Number
    status: ObservationStatus = ObservationStatus.final
    source: Source | None = None
    comment: Comment | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _period_not_too_long(cls, value):
        # Checked before the length limit, so that e.g. a datetime gets the accepted forms back.
        if isinstance(value, str) and len(value.strip()) > 10:
            raise ValueError(f"Unrecognised period: expected {PERIOD_FORMS}.")
        return value


class BatchObservation(ObservationCreate):
    indicator_id: uuid.UUID


class ObservationRead(OutputModel):
    id: uuid.UUID = Field(description="Stays the same across corrections.")
    indicator_id: uuid.UUID
    period_start: date
    period_end: date
    value: float
    status: ObservationStatus
    source: str | None
    comment: str | None
    revision: int
    recorded_at: datetime
    recorded_by: uuid.UUID | None = Field(description="The API key that recorded this value.")


class BatchResult(BaseModel):
    dry_run: bool
    created: int = Field(description="New (indicator, period) values.")
    updated: int = Field(description="Corrections: a new revision of an existing value.")
    unchanged: int = Field(description="Items identical to the current value: nothing recorded.")
    items: list[ObservationRead] = Field(
        description="The stored values, in the order given (empty on a dry run)."
    )
