from typing import Annotated

from pydantic import Field, StringConstraints

from services.core.schemas_base import InputModel, Name, Timestamps
from services.core.vocabularies import TerritoryLevel, TerritoryType

TerritoryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"),
    Field(
        description="ISO 3166 code (`FR`, `FR-IDF`, `FR-94`, `MA-REH`) or a custom code "
        "(letters, digits, `-`, `_`, `.`), e.g. an INSEE code for an EPCI or a commune.",
        examples=["FR-IDF"],
    ),
]


class TerritoryCreate(InputModel):
    code: TerritoryCode
    name: Name
    level: TerritoryLevel
    parent_code: TerritoryCode | None = None
    territory_type: TerritoryType | None = None
    overseas: bool | None = Field(
        default=None, description="Defaults to the parent's flag (false for a country)."
    )


class TerritoryUpdate(InputModel):
    name: Name | None = None
    parent_code: TerritoryCode | None = None
    territory_type: TerritoryType | None = None
    overseas: bool | None = None


class TerritoryRead(Timestamps):
    code: str
    name: str
    level: TerritoryLevel
    parent_code: str | None
    territory_type: TerritoryType | None
    overseas: bool
