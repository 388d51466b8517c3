import uuid
from datetime import datetime

from sqlmodel import Field, Relationship, SQLModel

from services.core.models_base import (
    created_at_field,
    deleted_at_field,
    id_field,
    updated_at_field,
)


class CatalystTrade(SQLModel, table=True):
    __tablename__ = "catalyst_trades"

    catalyst_id: uuid.UUID = Field(foreign_key="catalysts.id", primary_key=True, ondelete="CASCADE")
    trade: str = Field(primary_key=True, max_length=32)


class Catalyst(SQLModel, table=True):
    __tablename__ = "catalysts"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    structure_type: str = Field(max_length=32, index=True)
    territory_code: str = Field(foreign_key="territories.code", index=True)
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    founded_year: int | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    deleted_at: datetime | None = deleted_at_field()

    trade_rows: list[CatalystTrade] = Relationship(
        sa_relationship_kwargs={"lazy": "selectin", "cascade": "all, delete-orphan"}
    )

    @property
    def trades(self) -> list[str]:
        return sorted(row.trade for row in self.trade_rows)
