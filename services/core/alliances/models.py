import uuid
from datetime import date, datetime

from sqlmodel import Field, Relationship, SQLModel

from services.core.models_base import (
    created_at_field,
    deleted_at_field,
    id_field,
    updated_at_field,
)


class AllianceCatalyst(SQLModel, table=True):
    __tablename__ = "alliance_catalysts"

    alliance_id: uuid.UUID = Field(foreign_key="alliances.id", primary_key=True, ondelete="CASCADE")
    catalyst_id: uuid.UUID = Field(foreign_key="catalysts.id", primary_key=True, index=True)


class AllianceDomain(SQLModel, table=True):
    __tablename__ = "alliance_domains"

    alliance_id: uuid.UUID = Field(foreign_key="alliances.id", primary_key=True, ondelete="CASCADE")
    domain: str = Field(primary_key=True, max_length=32, index=True)


class AllianceSdg(SQLModel, table=True):
    __tablename__ = "alliance_sdgs"

    alliance_id: uuid.UUID = Field(foreign_key="alliances.id", primary_key=True, ondelete="CASCADE")
    sdg: int = Field(primary_key=True, index=True)


class Alliance(SQLModel, table=True):
    __tablename__ = "alliances"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    objectives: str | None = Field(default=None, max_length=5000)
    territory_code: str = Field(foreign_key="territories.code", index=True)
    stage: str = Field(max_length=32, index=True)
    status: str = Field(max_length=16, index=True)
    started_on: date | None = None
    ended_on: date | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    deleted_at: datetime | None = deleted_at_field()

    catalyst_rows: list[AllianceCatalyst] = Relationship(
        sa_relationship_kwargs={"lazy": "selectin", "cascade": "all, delete-orphan"}
    )
    domain_rows: list[AllianceDomain] = Relationship(
        sa_relationship_kwargs={"lazy": "selectin", "cascade": "all, delete-orphan"}
    )
    sdg_rows: list[AllianceSdg] = Relationship(
        sa_relationship_kwargs={"lazy": "selectin", "cascade": "all, delete-orphan"}
    )

    @property
    def catalyst_ids(self) -> list[uuid.UUID]:
        return sorted(row.catalyst_id for row in self.catalyst_rows)

    @property
    def domains(self) -> list[str]:
        return sorted(row.domain for row in self.domain_rows)

    @property
    def sdgs(self) -> list[int]:
        return sorted(row.sdg for row in self.sdg_rows)


class AllianceMember(SQLModel, table=True):
    __tablename__ = "alliance_members"

    id: uuid.UUID = id_field()
    alliance_id: uuid.UUID = Field(foreign_key="alliances.id", index=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id", index=True)
    role: str = Field(max_length=32)
    joined_on: date | None = None
    left_on: date | None = None
    objectives: str | None = Field(default=None, max_length=5000)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
