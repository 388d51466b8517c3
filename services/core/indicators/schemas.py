import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, Strict, StringConstraints

from services.core.schemas_base import (
    InputModel,
    IsoDate,
    LongText,
    Name,
    OutputModel,
    cannot_be_emptied,
    not_blank,
)
from services.core.vocabularies import Axis, Dimension, Direction, IndicatorStatus, MeasureType, Prism

# Strict: a JSON number only (true/false or "12" are refused rather than read as numbers);
# finite: NaN and Infinity are refused.
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Code = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"),
    Field(description="Short code, unique within the alliance.", examples=["EMP-01"]),
]
CalculationMethod = Annotated[
    str,
    StringConstraints(min_length=1, max_length=5000),
    AfterValidator(not_blank),
    Field(description="How the value is computed, written down from the start (required)."),
]
Weight = Annotated[float, Strict(), Field(gt=0, le=1000, allow_inf_nan=False)]


class IndicatorCreate(InputModel):
    # Published from rules.definition_errors: an ordinal scale has both ends, no other has any.
    # As if/then/else, which validators apply and client generators leave aside (see ApiKeyCreate).
    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "required": ["measure_type"],
                "properties": {"measure_type": {"const": MeasureType.ordinal.value}},
            },
            "then": {
                "required": ["scale_min", "scale_max"],
                "properties": {"scale_min": {"type": "number"}, "scale_max": {"type": "number"}},
            },
            "else": {"properties": {"scale_min": {"type": "null"}, "scale_max": {"type": "null"}}},
        }
    )

    code: Code
    name: Name
    description: LongText | None = None
    calculation_method: CalculationMethod
    unit: Annotated[str, StringConstraints(max_length=50)] | None = None
    measure_type: MeasureType = MeasureType.quantity
    scale_min: Number | None = Field(default=None, description="Ordinal scales: the lowest level.")
    scale_max: Number | None = Field(default=None, description="Ordinal scales: the highest level.")
    direction: Direction = Direction.increase
    baseline_value: Number | None = None
    baseline_date: IsoDate | None = None
    target_value: Number | None = None
    target_date: IsoDate | None = None
    worst: Number | None = Field(default=None, description="The value that scores 0.")
    best: Number | None = Field(default=None, description="The value that scores 100.")
    axis: Axis
    prism: Prism | None = None
    dimension: Dimension | None = None
    member_id: uuid.UUID | None = Field(
        default=None, description="The member whose individual objective it measures; null = collective."
    )
    weight: Weight = 1.0


class IndicatorUpdate(InputModel):
    code: Code | None = cannot_be_emptied()
    name: Name | None = cannot_be_emptied()
    description: LongText | None = None
    calculation_method: CalculationMethod | None = cannot_be_emptied()
    unit: Annotated[str, StringConstraints(max_length=50)] | None = None
    measure_type: MeasureType | None = cannot_be_emptied()
    scale_min: Number | None = None
    scale_max: Number | None = None
    direction: Direction | None = cannot_be_emptied()
    baseline_value: Number | None = None
    baseline_date: IsoDate | None = None
    target_value: Number | None = None
    target_date: IsoDate | None = None
    worst: Number | None = None
    best: Number | None = None
    axis: Axis | None = cannot_be_emptied()
    prism: Prism | None = None
    dimension: Dimension | None = None
    member_id: uuid.UUID | None = None
    weight: Weight | None = cannot_be_emptied()
    status: IndicatorStatus | None = cannot_be_emptied(description="`archived` to retire it.")


class IndicatorFields(OutputModel):
    code: str
    name: str
    description: str | None
    calculation_method: str
    unit: str | None
    measure_type: MeasureType
    scale_min: float | None
    scale_max: float | None
    direction: Direction
    baseline_value: float | None
    baseline_date: date | None
    target_value: float | None
    target_date: date | None
    worst: float | None
    best: float | None
    axis: Axis
    prism: Prism | None
    dimension: Dimension | None
    member_id: uuid.UUID | None
    weight: float
    status: IndicatorStatus
    revision: int


class IndicatorRead(IndicatorFields):
    id: uuid.UUID
    alliance_id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class IndicatorRevisionRead(IndicatorFields):
    indicator_id: uuid.UUID
    alliance_id: uuid.UUID
    recorded_at: datetime
    recorded_by: uuid.UUID | None = Field(description="The API key that made this revision.")
