import uuid
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field

from services.core.schemas_base import (
    InputModel,
    JsonNumber,
    LongText,
    Name,
    Timestamps,
    cannot_be_emptied,
    http_url,
    json_integer,
)
from services.core.territories.schemas import TerritoryCode
from services.core.vocabularies import StructureType, Trade


def _unique(values: list) -> list:
    # A field validator rather than a model one, so that the error names the field.
    if len(set(values)) != len(values):
        raise ValueError("duplicates are not allowed")
    return values


Latitude = Annotated[JsonNumber, Field(ge=-90, le=90)]
Longitude = Annotated[JsonNumber, Field(ge=-180, le=180)]
FoundedYear = json_integer(ge=1800, le=2100)
# Publishes the rule `_unique` enforces.
UNIQUE_ITEMS = {"uniqueItems": True}
Trades = Annotated[
    list[Trade], Field(min_length=1, max_length=4, json_schema_extra=UNIQUE_ITEMS), AfterValidator(_unique)
]
Website = http_url(max_length=500)


class CatalystCreate(InputModel):
    # What create_catalyst requires, published: a point has both coordinates or none. As
    # if/then, which validators apply and client generators leave aside (see ApiKeyCreate).
    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "anyOf": [
                    {"required": ["latitude"], "properties": {"latitude": {"type": "number"}}},
                    {"required": ["longitude"], "properties": {"longitude": {"type": "number"}}},
                ]
            },
            "then": {
                "required": ["latitude", "longitude"],
                "properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"}},
            },
        }
    )

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
    name: Name | None = cannot_be_emptied()
    structure_type: StructureType | None = cannot_be_emptied()
    trades: Trades | None = cannot_be_emptied()
    territory_code: TerritoryCode | None = cannot_be_emptied()
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
