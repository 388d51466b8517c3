"""Figures about background work, read from the database for `/metrics`.

The database is the record of every job, outbox message and webhook attempt, whichever API
replica or worker handled them: reading the figures from it gives every replica the same,
complete answer, which survives restarts (a counter kept in one process would not).
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.clock import utcnow
from services.core.jobs.lifecycle import FINISHED
from services.core.jobs.models import AggregationJob
from services.core.outbox.models import OutboxMessage
from services.core.webhooks.models import WebhookAttempt, WebhookDelivery


@dataclass
class BackgroundWorkFigures:
    jobs_by_status: dict[str, int] = field(default_factory=dict)
    # Seconds from start to end of every finished job, by final status.
    job_durations: dict[str, list[float]] = field(default_factory=dict)
    outbox_backlog: int = 0
    outbox_oldest_age_seconds: float = 0.0
    webhook_deliveries_by_status: dict[str, int] = field(default_factory=dict)
    webhook_attempts: int = 0
    webhook_failed_attempts: int = 0


def _seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max((end - start).total_seconds(), 0.0)


async def background_work_figures(session: AsyncSession) -> BackgroundWorkFigures:
    figures = BackgroundWorkFigures()
    job_counts = await session.execute(
        select(col(AggregationJob.status), func.count()).group_by(col(AggregationJob.status))
    )
    figures.jobs_by_status = {status: count for status, count in job_counts.all()}

    finished = await session.execute(
        select(
            col(AggregationJob.status), col(AggregationJob.started_at), col(AggregationJob.finished_at)
        ).where(col(AggregationJob.status).in_([status.value for status in FINISHED]))
    )
    for status, started_at, finished_at in finished.all():
        seconds = _seconds_between(started_at, finished_at)
        if seconds is not None:
            figures.job_durations.setdefault(status, []).append(seconds)

    backlog, oldest = (
        await session.execute(
            select(func.count(), func.min(col(OutboxMessage.available_at))).where(
                col(OutboxMessage.dispatched_at).is_(None)
            )
        )
    ).one()
    figures.outbox_backlog = backlog
    figures.outbox_oldest_age_seconds = _seconds_between(oldest, utcnow()) or 0.0

    delivery_counts = await session.execute(
        select(col(WebhookDelivery.status), func.count()).group_by(col(WebhookDelivery.status))
    )
    figures.webhook_deliveries_by_status = {status: count for status, count in delivery_counts.all()}
    failed_attempt = or_(
        col(WebhookAttempt.status_code).is_(None),
        col(WebhookAttempt.status_code) < 200,
        col(WebhookAttempt.status_code) >= 300,
    )
    attempts, failed_attempts = (
        await session.execute(
            select(func.count(), func.count().filter(failed_attempt)).select_from(WebhookAttempt)
        )
    ).one()
    figures.webhook_attempts = attempts
    figures.webhook_failed_attempts = failed_attempts
    return figures
