import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field

from services.core.schemas_base import InputModel, LongText, Name, Timestamps
from services.core.territories.schemas import TerritoryCode
from services.core.vocabularies import AllianceStatus, Domain, MemberRole, Stage


def _unique(values: list) -> list:
    # A field validator rather than a model one, so that the error names the field.
    if len(set(values)) != len(values):
        raise ValueError("duplicates are not allowed")
    return values


Sdg = Annotated[int, Field(ge=1, le=17)]
CatalystIds = Annotated[list[uuid.UUID], Field(min_length=1, max_length=20), AfterValidator(_unique)]
Domains = Annotated[list[Domain], Field(max_length=9), AfterValidator(_unique)]
Sdgs = Annotated[list[Sdg], Field(max_length=17), AfterValidator(_unique)]


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
