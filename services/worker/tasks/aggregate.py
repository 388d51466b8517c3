"""The aggregation task: thin and idempotent; the work is in services.core.aggregation."""

import asyncio
import logging
import uuid
from datetime import timedelta

from services.core.aggregation.run import fail_job, run_aggregation
from services.core.clock import utcnow
from services.core.db import session_scope
from services.core.jobs.models import AggregationJob
from services.core.jobs.service import AGGREGATE_TASK, queue_job_key
from services.core.outbox.service import enqueue
from services.core.vocabularies import JobStatus
from services.worker.context import TaskContext

logger = logging.getLogger("observatoire.worker")

RETRY_DELAYS_SECONDS = (5, 30, 120, 600)


async def aggregate(context: TaskContext, job_id: str) -> str | None:
    job_uuid = uuid.UUID(job_id)
    try:
        snapshot_id = await run_aggregation(context.session_factory, job_uuid)
    except asyncio.CancelledError:
        # The process is stopping and its grace period is over. The snapshot is written in
        # one transaction, so nothing of it exists yet; the runner queues the task again.
        await asyncio.shield(release_interrupted(context, job_uuid))
        raise
    except Exception as exc:
        await _retry_or_fail(context, job_uuid, exc)
        return None
    return str(snapshot_id) if snapshot_id else None


async def release_interrupted(context: TaskContext, job_id: uuid.UUID) -> None:
    """Give back a job that a shutdown interrupted: queued again, as its record should say
    while it waits for the next worker. A job that published meanwhile stays succeeded."""
    try:
        async with session_scope(context.session_factory) as session:
            job = await session.get(AggregationJob, job_id, with_for_update=True)
            if job is None or job.status != JobStatus.running:
                return
            job.status = JobStatus.queued
            job.stage = "interrupted"
            job.progress = 0.0
            job.heartbeat_at = utcnow()
    except Exception:  # the database may be what is going away: the re-run sorts it out
        logger.exception("could not record the interruption of aggregation job %s", job_id)


async def _retry_or_fail(context: TaskContext, job_id: uuid.UUID, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"
    logger.exception("aggregation job %s failed", job_id)
    async with session_scope(context.session_factory) as session:
        job = await session.get(AggregationJob, job_id)
        if job is None:
            return
        if job.attempts < context.settings.job_max_tries:
            # Retried through the outbox: the retry survives a restart of the worker or of Redis.
            delay = RETRY_DELAYS_SECONDS[min(job.attempts - 1, len(RETRY_DELAYS_SECONDS) - 1)]
            job.status = JobStatus.queued
            job.error = f"attempt {job.attempts} failed, retrying in {delay} s: {error}"[:4000]
            await enqueue(
                session,
                AGGREGATE_TASK,
                [str(job_id)],
                queue_job_key(job_id, job.attempts),
                available_at=utcnow() + timedelta(seconds=delay),
            )
            return
    await fail_job(context.session_factory, job_id, error)
