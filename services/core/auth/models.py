import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from services.core.db import UTCDateTime
from services.core.models_base import created_at_field, id_field


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    scope: str = Field(max_length=16)
    catalyst_id: uuid.UUID | None = Field(default=None, foreign_key="catalysts.id", index=True)
    # The first characters of the key, to recognise it in a list; never enough to use it.
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = created_at_field()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
