from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from services.core.pagination import verbatim_cursor
from services.core.schemas_base import InputModel, JsonBoolean, Name, Timestamps, cannot_be_emptied
from services.core.vocabularies import TerritoryLevel, TerritoryType

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
# Territories are listed by code: a cursor is the code of the last territory of a page.
TERRITORY_CURSOR = verbatim_cursor(CODE_PATTERN)

TerritoryCode = Annotated[
    str,
    StringConstraints(max_length=64, pattern=CODE_PATTERN),
    Field(
        description="ISO 3166 code (`FR`, `FR-IDF`, `FR-94`, `MA-REH`) or a custom code "
        "(letters, digits, `-`, `_`, `.`), e.g. an INSEE code for an EPCI or a commune.",
        examples=["FR-IDF"],
    ),
]


class TerritoryCreate(InputModel):
    # What create_territory requires, published: only a country may have no parent. As
    # if/else, which validators apply and client generators leave aside (see ApiKeyCreate).
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["level"], "properties": {"level": {"const": TerritoryLevel.country.value}}},
            "else": {"required": ["parent_code"], "properties": {"parent_code": {"type": "string"}}},
        }
    )

    code: TerritoryCode
    name: Name
    level: TerritoryLevel
    parent_code: TerritoryCode | None = None
    territory_type: TerritoryType | None = None
    overseas: JsonBoolean | None = Field(
        default=None, description="Defaults to the parent's flag (false for a country)."
    )


class TerritoryUpdate(InputModel):
    name: Name | None = cannot_be_emptied()
    parent_code: TerritoryCode | None = None
    territory_type: TerritoryType | None = None
    overseas: JsonBoolean | None = cannot_be_emptied()


class TerritoryRead(Timestamps):
    code: str
    name: str
    level: TerritoryLevel
    parent_code: str | None
    territory_type: TerritoryType | None
    overseas: bool
