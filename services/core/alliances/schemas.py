import uuid
from datetime import date
from typing import Annotated

from pydantic import Field, model_validator

from services.core.schemas_base import InputModel, LongText, Name, Timestamps
from services.core.territories.schemas import TerritoryCode
from services.core.vocabularies import AllianceStatus, Domain, MemberRole, Stage

Sdg = Annotated[int, Field(ge=1, le=17)]
CatalystIds = Annotated[list[uuid.UUID], Field(min_length=1, max_length=20)]
Domains = Annotated[list[Domain], Field(max_length=9)]
Sdgs = Annotated[list[Sdg], Field(max_length=17)]


def _check_unique(values: list | None, field: str) -> None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError(f"{field} has duplicates")


def _check_period(start: date | None, end: date | None, start_name: str, end_name: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"{end_name} is before {start_name}")


class AllianceCreate(InputModel):
    name: Name
    description: LongText | None = None
    objectives: LongText | None = Field(default=None, description="The collective objectives.")
    territory_code: TerritoryCode
    catalyst_ids: CatalystIds
    domains: Domains = []
    sdgs: Sdgs = []
    stage: Stage = Stage.emergence
    started_on: date | None = None
    ended_on: date | None = None
    status: AllianceStatus = AllianceStatus.active

    @model_validator(mode="after")
    def _consistent(self):
        for field in ("catalyst_ids", "domains", "sdgs"):
            _check_unique(getattr(self, field), field)
        _check_period(self.started_on, self.ended_on, "started_on", "ended_on")
        return self


class AllianceUpdate(InputModel):
    name: Name | None = None
    description: LongText | None = None
    objectives: LongText | None = None
    territory_code: TerritoryCode | None = None
    catalyst_ids: CatalystIds | None = None
    domains: Domains | None = None
    sdgs: Sdgs | None = None
    stage: Stage | None = None
    started_on: date | None = None
    ended_on: date | None = None
    status: AllianceStatus | None = None

    @model_validator(mode="after")
    def _consistent(self):
        for field in ("catalyst_ids", "domains", "sdgs"):
            _check_unique(getattr(self, field), field)
        return self


class AllianceRead(Timestamps):
    id: uuid.UUID
    name: str
    description: str | None
    objectives: str | None
    territory_code: str
    catalyst_ids: list[uuid.UUID]
    domains: list[Domain]
    sdgs: list[int]
    stage: Stage
    started_on: date | None
    ended_on: date | None
    status: AllianceStatus


class MemberCreate(InputModel):
    organisation_id: uuid.UUID
    role: MemberRole = MemberRole.member
    joined_on: date | None = None
    left_on: date | None = None
    objectives: LongText | None = Field(default=None, description="This member's own objectives.")

    @model_validator(mode="after")
    def _consistent(self):
        _check_period(self.joined_on, self.left_on, "joined_on", "left_on")
        return self


class MemberUpdate(InputModel):
    role: MemberRole | None = None
    joined_on: date | None = None
    left_on: date | None = None
    objectives: LongText | None = None


class MemberRead(Timestamps):
    id: uuid.UUID
    alliance_id: uuid.UUID
    organisation_id: uuid.UUID
    role: MemberRole
    joined_on: date | None
    left_on: date | None
    objectives: str | None
