"""Imports every table model so that the metadata is complete (Alembic, tests)."""

from services.core.alliances.models import (
    Alliance,
    AllianceCatalyst,
    AllianceDomain,
    AllianceMember,
    AllianceSdg,
)
from services.core.auth.models import ApiKey
from services.core.catalysts.models import Catalyst, CatalystTrade
from services.core.idempotency.models import IdempotencyRecord
from services.core.indicators.models import Indicator, IndicatorRevision
from services.core.observations.models import Observation, ObservationRevision
from services.core.organisations.models import Organisation
from services.core.territories.models import Territory

__all__ = [
    "Alliance",
    "AllianceCatalyst",
    "AllianceDomain",
    "AllianceMember",
    "AllianceSdg",
    "ApiKey",
    "Catalyst",
    "CatalystTrade",
    "IdempotencyRecord",
    "Indicator",
    "IndicatorRevision",
    "Observation",
    "ObservationRevision",
    "Organisation",
    "Territory",
]
