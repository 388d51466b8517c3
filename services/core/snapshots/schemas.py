import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from services.core.schemas_base import OutputModel
from services.core.vocabularies import Axis

SubjectType = Literal["alliance", "catalyst", "territory", "territory_type", "domain", "actor_type", "all"]


class SnapshotRead(OutputModel):
    id: uuid.UUID
    created_at: datetime
    as_of: date = Field(description="T: the date the scores describe.")
    methodology_version: int
    methodology_hash: str
    content_hash: str = Field(description="SHA-256 of the canonical JSON of the scores.")
    input_watermark: dict = Field(description="K and the highest revision ids read.")
    counts: dict
    diagnostics: dict
    job_id: uuid.UUID | None


class ScoreRead(OutputModel):
    subject_type: SubjectType
    subject_id: str | None = Field(
        description="Alliance/catalyst id, territory code, or a code; null for `all`."
    )
    axis: Axis
    score: float | None = Field(description="0-100, or null: never 0 for no data.")
    coverage: float | None
    lower: float | None
    upper: float | None
    delta_1y: float | None
    flags: list[str]
    n_indicators: int | None = None
    n_scored_indicators: int | None = None
    n_alliances: int | None = None
    n_scored: int | None = None
    median: float | None = None
    p25: float | None = None
    p75: float | None = None
    min: float | None = None
    max: float | None = None


class ScoreComparison(OutputModel):
    subject_type: SubjectType
    subject_id: str | None
    axis: Axis
    score: float | None = Field(description="In this snapshot.")
    other_score: float | None = Field(description="In the other snapshot.")
    difference: float | None = Field(description="score − other_score; null when either is null.")
