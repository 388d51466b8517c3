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
from services.core.jobs.models import AggregationJob
from services.core.methodology.models import Methodology
from services.core.observations.models import Observation, ObservationRevision
from services.core.organisations.models import Organisation
from services.core.outbox.models import OutboxMessage
from services.core.previews.models import Preview, PreviewScore
from services.core.registry_tag import RegistryTag
from services.core.snapshots.models import Snapshot, SnapshotExplanation, SnapshotScore
from services.core.territories.models import Territory
from services.core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "AggregationJob",
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
    "Methodology",
    "Observation",
    "ObservationRevision",
    "Organisation",
    "OutboxMessage",
    "Preview",
    "PreviewScore",
    "RegistryTag",
    "Snapshot",
    "SnapshotExplanation",
    "SnapshotScore",
    "Territory",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
