"""The configuration of the scoring method: a versioned, hashable record."""

import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field

from services.core.vocabularies import Axis

AXES: tuple[str, ...] = tuple(axis.value for axis in Axis)


class LookbackDays(BaseModel):
    model_config = ConfigDict(extra="forbid")

    performance: int = Field(default=1095, ge=1, le=36500)
    innovation: int = Field(default=1825, ge=1, le=36500)
    trust: int = Field(default=1825, ge=1, le=36500)


class MethodologyConfig(BaseModel):
    """METHODOLOGY.md's parameters; the defaults are version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    coverage_threshold: float = Field(default=0.5, ge=0, le=1)
    lookback_days: LookbackDays = LookbackDays()
    trend_lag_days: int = Field(default=365, ge=1, le=36500)
    mc_draws: int = Field(default=200, ge=1, le=10_000)
    mc_noise: float = Field(default=0.25, ge=0, lt=1)
    min_group_size: int = Field(default=1, ge=1, le=1000)

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    def lookback_for(self, axis: str) -> int:
        days: int = getattr(self.lookback_days, axis)
        return days
