import uuid
from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.db import UTCDateTime
from services.core.models_base import created_at_field, id_field, serial_id_column, updated_at_field


class IndicatorDefinition(SQLModel):
    """The fields of an indicator that a revision records."""

    code: str = Field(max_length=64)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    calculation_method: str = Field(max_length=5000)
    unit: str | None = Field(default=None, max_length=50)
    measure_type: str = Field(max_length=16)
    scale_min: float | None = None
    scale_max: float | None = None
    direction: str = Field(max_length=16)
    baseline_value: float | None = None
    baseline_date: date | None = None
    target_value: float | None = None
    target_date: date | None = None
    worst: float | None = None
    best: float | None = None
    axis: str = Field(max_length=16)
    prism: str | None = Field(default=None, max_length=16)
    dimension: str | None = Field(default=None, max_length=32)
    member_id: uuid.UUID | None = Field(default=None, foreign_key="alliance_members.id")
    weight: float = 1.0
    status: str = Field(default="active", max_length=16)


class Indicator(IndicatorDefinition, table=True):
    """The current revision of an indicator; every revision is also kept in indicator_revisions."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("alliance_id", "code"),)

    id: uuid.UUID = id_field()
    alliance_id: uuid.UUID = Field(foreign_key="alliances.id", index=True)
    revision: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    updated_by: uuid.UUID | None = None


class IndicatorRevision(IndicatorDefinition, table=True):
    __tablename__ = "indicator_revisions"
    __table_args__ = (UniqueConstraint("indicator_id", "revision"),)

    id: int | None = Field(default=None, sa_column=serial_id_column())
    indicator_id: uuid.UUID = Field(foreign_key="indicators.id", index=True)
    alliance_id: uuid.UUID = Field(foreign_key="alliances.id")
    revision: int
    recorded_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    recorded_by: uuid.UUID | None = None
