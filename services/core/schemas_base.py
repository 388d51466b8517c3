"""Base classes of the request and response schemas."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator


def reject_nul(value: Any) -> Any:
    """Text with a NUL character cannot be stored (PostgreSQL refuses it): refuse it here."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if isinstance(value, list):
        for item in value:
            reject_nul(item)
    return value


class InputModel(BaseModel):
    """A request body: unknown fields are refused, so read-only fields cannot be mass-assigned."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        return reject_nul(value)


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Timestamps(OutputModel):
    created_at: datetime
    updated_at: datetime


Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
