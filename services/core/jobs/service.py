"""Aggregation jobs: requested through the API, a schedule or the CLI; run by the worker.

The database is the record of every job and its progress. A job is queued through the
outbox in the same transaction that creates it, so no job is ever lost between the two.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.errors import NotFound
from services.core.jobs import lifecycle
from services.core.jobs.lifecycle import ACTIVE, JobKind
from services.core.jobs.models import AggregationJob
from services.core.methodology.service import latest_version, require_methodology
from services.core.outbox.service import enqueue
from services.core.pagination import page_of, paginate

AGGREGATE_TASK = "aggregate"
AGGREGATION = JobKind(task=AGGREGATE_TASK, model=AggregationJob, noun="aggregation job")


def parameters_key(as_of: date | None, methodology_version: int) -> str:
    return f"{as_of.isoformat() if as_of else 'today'}|{methodology_version}"


async def request_job(
    session: AsyncSession,
    *,
    as_of: date | None,
    methodology_version: int | None,
    requested_by: uuid.UUID | None,
    trigger: str = "api",
) -> tuple[AggregationJob, bool]:
    """The job for these parameters: the one queued or running, or a new one. True if new."""
    if methodology_version is None:
        methodology_version = await latest_version(session)
    else:
        await require_methodology(session, methodology_version, ["body", "methodology_version"])
    key = parameters_key(as_of, methodology_version)
    existing = await session.scalar(
        select(AggregationJob)
        .where(col(AggregationJob.parameters_key) == key, col(AggregationJob.status).in_(ACTIVE))
        .order_by(col(AggregationJob.created_at))
        .limit(1)
    )
    if existing is not None:
        return existing, False
    job = AggregationJob(
        as_of=as_of,
        methodology_version=methodology_version,
        parameters_key=key,
        requested_by=requested_by,
        trigger=trigger,
    )
    session.add(job)
    await session.flush()
    await enqueue(session, AGGREGATE_TASK, [str(job.id)], AGGREGATION.queue_key(job.id))
    return job, True


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> AggregationJob:
    job = await session.get(AggregationJob, job_id)
    if job is None:
        raise NotFound("No aggregation job with this id.")
    return job


async def list_jobs(session: AsyncSession, *, status: str | None, cursor: str | None, limit: int):
    statement = select(AggregationJob)
    if status is not None:
        statement = statement.where(col(AggregationJob.status) == status)
    statement = paginate(statement, AggregationJob.id, cursor, limit)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda job: job.id)


async def cancel_job(session: AsyncSession, job: AggregationJob) -> AggregationJob:
    """A queued job is cancelled at once; a running one stops at its next checkpoint."""
    lifecycle.request_cancel(job, "job")
    await session.flush()
    return job


async def requeue_stale(session: AsyncSession, older_than: datetime) -> int:
    """Queue again the jobs silent since `older_than`: their queue entry was lost."""
    return await lifecycle.requeue_stale(session, AGGREGATION, older_than)
