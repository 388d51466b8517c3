import uuid
from datetime import date, datetime

from pydantic import Field

from services.core.schemas_base import InputModel, OutputModel
from services.core.scoring.config import MethodologyConfig
from services.core.snapshots.schemas import ScoreComparison
from services.core.vocabularies import JobStatus


class PreviewCreate(InputModel):
    config: MethodologyConfig = Field(
        description="A draft configuration of the scoring method, as in `POST /v1/methodologies`; "
        "parameters not given take version 1's defaults."
    )


class PreviewRead(OutputModel):
    id: uuid.UUID
    snapshot_id: uuid.UUID = Field(description="The snapshot whose inputs are rescored.")
    status: JobStatus
    progress: float = Field(ge=0, le=1)
    stage: str | None
    error: str | None
    config: MethodologyConfig
    config_hash: str = Field(description="SHA-256 of the canonical JSON of `config`.")
    as_of: date = Field(description="T: the snapshot's.")
    knowledge_cutoff: datetime = Field(description="K: the snapshot's; nothing recorded later is read.")
    counts: dict | None = Field(description="What was read and written, once the preview is computed.")
    input_watermark: dict | None = Field(description="K and the highest revision ids read.")
    attempts: int
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime = Field(description="After it, the preview and its scores are gone (404).")


class PreviewComparison(ScoreComparison):
    score: float | None = Field(description="In the preview.")
    other_score: float | None = Field(description="In the preview's snapshot.")
    difference: float | None = Field(description="score − other_score; null when either is null.")
