import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from services.core.models_base import created_at_field, id_field, updated_at_field


class Organisation(SQLModel, table=True):
    __tablename__ = "organisations"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    actor_type: str = Field(max_length=32, index=True)
    territory_code: str | None = Field(default=None, foreign_key="territories.code", index=True)
    siren: str | None = Field(default=None, max_length=9, index=True)
    # The catalyst whose key registered it: a write key may only edit what its catalyst added.
    created_by_catalyst_id: uuid.UUID | None = Field(default=None, foreign_key="catalysts.id")
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
