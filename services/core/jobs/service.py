"""Aggregation jobs: requested through the API, a schedule or the CLI; run by the worker.

The database is the record of every job and its progress. A job is queued through the
outbox in the same transaction that creates it, so no job is ever lost between the two.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.clock import utcnow
from services.core.errors import Conflict, NotFound
from services.core.jobs.models import AggregationJob
from services.core.methodology.service import latest_version, require_methodology
from services.core.outbox.service import enqueue
from services.core.pagination import page_of, paginate
from services.core.vocabularies import JobStatus

AGGREGATE_TASK = "aggregate"
ACTIVE = (JobStatus.queued, JobStatus.running)
FINISHED = (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled)


def parameters_key(as_of: date | None, methodology_version: int) -> str:
    return f"{as_of.isoformat() if as_of else 'today'}|{methodology_version}"


def queue_job_key(job_id: uuid.UUID, attempt: int = 0) -> str:
    return f"aggregate:{job_id}:{attempt}"


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
        .where(AggregationJob.parameters_key == key, AggregationJob.status.in_(ACTIVE))
        .order_by(AggregationJob.created_at)
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
    await enqueue(session, AGGREGATE_TASK, [str(job.id)], queue_job_key(job.id))
    return job, True


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> AggregationJob:
    job = await session.get(AggregationJob, job_id)
    if job is None:
        raise NotFound("No aggregation job with this id.")
    return job


async def list_jobs(session: AsyncSession, *, status: str | None, cursor: str | None, limit: int):
    statement = select(AggregationJob)
    if status is not None:
        statement = statement.where(AggregationJob.status == status)
    statement = paginate(statement, AggregationJob.id, cursor, limit)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda job: job.id)


async def cancel_job(session: AsyncSession, job: AggregationJob) -> AggregationJob:
    """A queued job is cancelled at once; a running one stops at its next checkpoint."""
    if job.status in FINISHED:
        raise Conflict(f"The job is already {job.status}.")
    job.cancel_requested = True
    if job.status == JobStatus.queued:
        job.status = JobStatus.cancelled
        job.finished_at = utcnow()
    await session.flush()
    return job


async def set_progress(session: AsyncSession, job_id: uuid.UUID, stage: str, progress: float) -> bool:
    """Record progress; returns False when staff asked to cancel the job."""
    now = utcnow()
    await session.execute(
        update(AggregationJob)
        .where(AggregationJob.id == job_id)
        .values(stage=stage, progress=progress, heartbeat_at=now)
    )
    cancel = await session.scalar(select(AggregationJob.cancel_requested).where(AggregationJob.id == job_id))
    return not cancel


async def stale_jobs(session: AsyncSession, older_than: datetime) -> list[AggregationJob]:
    """Active jobs that nothing has touched since `older_than`: their queue entry may be lost."""
    statement = select(AggregationJob).where(
        AggregationJob.status.in_(ACTIVE),
        AggregationJob.created_at < older_than,
        (AggregationJob.heartbeat_at.is_(None)) | (AggregationJob.heartbeat_at < older_than),
    )
    return list((await session.scalars(statement)).all())
