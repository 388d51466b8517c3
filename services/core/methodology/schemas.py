from datetime import datetime

from pydantic import Field

from services.core.schemas_base import InputModel, LongText, OutputModel
from services.core.scoring.config import MethodologyConfig


class MethodologyCreate(InputModel):
    description: LongText | None = None
    config: MethodologyConfig = Field(description="Parameters not given take version 1's defaults.")


class MethodologyRead(OutputModel):
    version: int
    description: str | None
    config: MethodologyConfig
    config_hash: str = Field(description="SHA-256 of the canonical JSON of `config`.")
    created_at: datetime
