import uuid
from datetime import date, datetime

from pydantic import Field

from services.core.methodology.schemas import BodyVersionNumber
from services.core.schemas_base import InputModel, IsoDate, OutputModel
from services.core.vocabularies import JobStatus


class AggregationJobCreate(InputModel):
    as_of: IsoDate | None = Field(default=None, description="T, the date described; default: today (UTC).")
    methodology_version: BodyVersionNumber | None = Field(
        default=None, description="Default: the latest version."
    )


class AggregationJobRead(OutputModel):
    id: uuid.UUID
    status: JobStatus
    progress: float = Field(ge=0, le=1)
    stage: str | None
    error: str | None
    as_of: date | None
    methodology_version: int
    snapshot_id: uuid.UUID | None
    trigger: str = Field(description="`api`, `schedule` or `cli`.")
    attempts: int
    timings: dict[str, float] | None = Field(description="Seconds spent in each stage of the last run.")
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
