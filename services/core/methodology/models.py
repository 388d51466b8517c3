from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from services.core.models_base import created_at_field


class Methodology(SQLModel, table=True):
    """One version of the scoring method's configuration. Versions are never changed."""

    __tablename__ = "methodologies"

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    description: str | None = Field(default=None, max_length=2000)
    config: dict = Field(sa_column=Column(JSON, nullable=False))
    config_hash: str = Field(max_length=64)
    created_at: datetime = created_at_field()
