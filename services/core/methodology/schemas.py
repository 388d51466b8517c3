from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from services.core.schemas_base import InputModel, OutputModel, json_integer
from services.core.scoring.config import MethodologyConfig

# Versions are small integers; the bound keeps any input inside a database integer.
_VERSION = {"ge": 1, "le": 2_147_483_647, "description": "A methodology version."}
VersionNumber = Annotated[int, Field(**_VERSION)]
# In a request body: a JSON integer (not true, not "2").
BodyVersionNumber = json_integer(**_VERSION)


# The length of the column that stores it.
Description = Annotated[str, StringConstraints(max_length=2000)]


class MethodologyCreate(InputModel):
    description: Description | None = None
    config: MethodologyConfig = Field(description="Parameters not given take version 1's defaults.")


class MethodologyRead(OutputModel):
    version: int
    description: str | None
    config: MethodologyConfig
    config_hash: str = Field(description="SHA-256 of the canonical JSON of `config`.")
    created_at: datetime
