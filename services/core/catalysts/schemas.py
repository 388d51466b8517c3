import uuid
from typing import Annotated

from pydantic import AfterValidator, AnyHttpUrl, Field

from services.core.schemas_base import InputModel, LongText, Name, Timestamps
from services.core.territories.schemas import TerritoryCode
from services.core.vocabularies import StructureType, Trade


def _unique(values: list) -> list:
    # A field validator rather than a model one, so that the error names the field.
    if len(set(values)) != len(values):
        raise ValueError("duplicates are not allowed")
    return values


Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
FoundedYear = Annotated[int, Field(ge=1800, le=2100)]
Trades = Annotated[list[Trade], Field(min_length=1, max_length=4), AfterValidator(_unique)]
Website = Annotated[AnyHttpUrl, Field(max_length=500)]


class CatalystCreate(InputModel):
    name: Name
    structure_type: StructureType
    trades: Trades
    territory_code: TerritoryCode
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    website: Website | None = None
    description: LongText | None = None
    founded_year: FoundedYear | None = None


class CatalystUpdate(InputModel):
    name: Name | None = None
    structure_type: StructureType | None = None
    trades: Trades | None = None
    territory_code: TerritoryCode | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    website: Website | None = None
    description: LongText | None = None
    founded_year: FoundedYear | None = None


class CatalystRead(Timestamps):
    id: uuid.UUID
    name: str
    structure_type: StructureType
    trades: list[Trade]
    territory_code: str
    latitude: float | None
    longitude: float | None
    website: str | None
    description: str | None
    founded_year: int | None
