import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field

from services.core.schemas_base import (
    InputModel,
    IsoDate,
    LongText,
    Name,
    Timestamps,
    cannot_be_emptied,
    json_integer,
)
from services.core.territories.schemas import TerritoryCode
from services.core.vocabularies import AllianceStatus, Domain, MemberRole, Stage


def _unique(values: list) -> list:
    # A field validator rather than a model one, so that the error names the field.
    if len(set(values)) != len(values):
        raise ValueError("duplicates are not allowed")
    return values


Sdg = json_integer(ge=1, le=17)
# Publishes the rule `_unique` enforces.
UNIQUE_ITEMS = {"uniqueItems": True}
CatalystIds = Annotated[
    list[uuid.UUID],
    Field(min_length=1, max_length=20, json_schema_extra=UNIQUE_ITEMS),
    AfterValidator(_unique),
]
Domains = Annotated[
    list[Domain], Field(max_length=9, json_schema_extra=UNIQUE_ITEMS), AfterValidator(_unique)
]
Sdgs = Annotated[list[Sdg], Field(max_length=17, json_schema_extra=UNIQUE_ITEMS), AfterValidator(_unique)]


class AllianceCreate(InputModel):
    name: Name
    description: LongText | None = None
    objectives: LongText | None = Field(default=None, description="The collective objectives.")
    territory_code: TerritoryCode
    catalyst_ids: CatalystIds
    domains: Domains = []
    sdgs: Sdgs = []
    stage: Stage = Stage.emergence
    started_on: IsoDate | None = None
    ended_on: IsoDate | None = None
    status: AllianceStatus = AllianceStatus.active


class AllianceUpdate(InputModel):
    name: Name | None = cannot_be_emptied()
    description: LongText | None = None
    objectives: LongText | None = None
    territory_code: TerritoryCode | None = cannot_be_emptied()
    catalyst_ids: CatalystIds | None = cannot_be_emptied()
    domains: Domains | None = cannot_be_emptied()
    sdgs: Sdgs | None = cannot_be_emptied()
    stage: Stage | None = cannot_be_emptied()
    started_on: IsoDate | None = None
    ended_on: IsoDate | None = None
    status: AllianceStatus | None = cannot_be_emptied()


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
    joined_on: IsoDate | None = None
    left_on: IsoDate | None = None
    objectives: LongText | None = Field(default=None, description="This member's own objectives.")


class MemberUpdate(InputModel):
    role: MemberRole | None = cannot_be_emptied()
    joined_on: IsoDate | None = None
    left_on: IsoDate | None = None
    objectives: LongText | None = None


class MemberRead(Timestamps):
    id: uuid.UUID
    alliance_id: uuid.UUID
    organisation_id: uuid.UUID
    role: MemberRole
    joined_on: date | None
    left_on: date | None
    objectives: str | None
