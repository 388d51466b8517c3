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


ExplanationReason = Literal["no_value_in_lookback", "only_values_after_as_of", "unscorable"]
RuleName = Literal["ordinal", "binary", "baseline_target", "bounds", "percentage_default", "unscorable"]
RollUpReason = Literal["axis_null", "not_active_at_as_of", "member_not_active_at_as_of"]


class CitedObservation(OutputModel):
    """The observation revision that section 1 selected: the latest recorded at or before K."""

    id: uuid.UUID = Field(description="The observation's id (the same across its corrections).")
    period_start: date
    period_end: date
    value: float
    status: Literal["provisional", "final", "estimated"]
    revision: int = Field(description="The revision number of the value that was read.")
    recorded_at: datetime = Field(description="When that revision was recorded (at or before K).")


class IndicatorExplanation(OutputModel):
    indicator_id: uuid.UUID
    code: str
    name: str
    weight: float
    rule: RuleName = Field(description="The normalisation rule of section 2 that applies.")
    observation: CitedObservation | None = Field(description="The value read; null when none.")
    reason: ExplanationReason | None = Field(description="Why the indicator has no score; null when it has.")
    missing_fields: list[str] = Field(description="For `unscorable`: the fields that would give it a rule.")
    score: float | None = Field(description="The indicator score s, 0-100.")
    contribution: float | None = Field(
        description="w·s / Σ_A w: the contributions of an axis add up to its score (6 decimals)."
    )


class PreviousAxisExplanation(OutputModel):
    as_of: date = Field(description="T − trend lag: the other side of `delta_1y`.")
    score: float | None
    coverage: float | None
    flags: list[str]
    indicators: list[IndicatorExplanation]


class AllianceAxisExplanation(OutputModel):
    axis: Axis
    score: float | None
    coverage: float | None
    coverage_threshold: float
    flags: list[str]
    indicators: list[IndicatorExplanation] = Field(description="Every expected indicator, once.")
    previous: PreviousAxisExplanation


class GroupAlliance(OutputModel):
    alliance_id: uuid.UUID
    name: str
    score: float | None
    counted: bool = Field(description="Whether its score enters the group's score.")
    reason: RollUpReason | None = Field(description="Why it is not counted; null when it is.")


class GroupAxisExplanation(OutputModel):
    axis: Axis
    score: float | None
    n_alliances: int
    n_scored: int
    alliances: list[GroupAlliance]


class ExplanationRead(OutputModel):
    snapshot_id: uuid.UUID
    subject_type: SubjectType
    subject_id: str | None = Field(description="As in the score rows: null for `all`.")
    as_of: date = Field(description="T.")
    knowledge_cutoff: datetime = Field(description="K: nothing recorded later was read.")
    axes: list[AllianceAxisExplanation | GroupAxisExplanation]
