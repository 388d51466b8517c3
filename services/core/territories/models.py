from datetime import datetime

from sqlmodel import Field, SQLModel

from services.core.models_base import created_at_field, updated_at_field


class Territory(SQLModel, table=True):
    __tablename__ = "territories"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    level: str = Field(max_length=16, index=True)
    parent_code: str | None = Field(default=None, foreign_key="territories.code", index=True)
    territory_type: str | None = Field(default=None, max_length=32)
    overseas: bool = False
    # "/FR/FR-IDF/FR-75C/": the codes from the root down to this one, so that "this territory
    # and everything under it" is one indexed prefix match instead of a recursive query.
    path: str = Field(max_length=1024, index=True)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
