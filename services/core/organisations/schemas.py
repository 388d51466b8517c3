import uuid
from typing import Annotated

from pydantic import AfterValidator, Field

from services.core.schemas_base import InputModel, Name, Timestamps, cannot_be_emptied
from services.core.territories.schemas import TerritoryCode
from services.core.vocabularies import ActorType


def luhn_sum(digits: str) -> int:
    """The Luhn sum of a string of digits: a number whose sum is a multiple of 10 is valid.
    Counting from the right from 0, every odd position is doubled (less 9 above 9)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total


def _check_siren(value: str) -> str:
    """A SIREN is 9 digits with a Luhn check digit (INSEE)."""
    if len(value) != 9 or not value.isdigit():
        raise ValueError("a SIREN is 9 digits")
    if luhn_sum(value) % 10 != 0:
        raise ValueError("invalid SIREN: its check digit does not match")
    return value


Siren = Annotated[
    str,
    Field(
        min_length=9,
        max_length=9,
        pattern=r"^[0-9]{9}$",
        description="9 digits, the last a Luhn check digit (format `siren`).",
        examples=["130025265"],
        # A format of its own names the check-digit rule, which a pattern cannot express.
        json_schema_extra={"format": "siren"},
    ),
    AfterValidator(_check_siren),
]


class OrganisationCreate(InputModel):
    name: Name
    actor_type: ActorType
    territory_code: TerritoryCode | None = None
    siren: Siren | None = None


class OrganisationUpdate(InputModel):
    name: Name | None = cannot_be_emptied()
    actor_type: ActorType | None = cannot_be_emptied()
    territory_code: TerritoryCode | None = None
    siren: Siren | None = None


class OrganisationRead(Timestamps):
    id: uuid.UUID
    name: str
    actor_type: ActorType
    territory_code: str | None
    siren: str | None
