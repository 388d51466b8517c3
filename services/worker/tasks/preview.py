"""The preview task: thin and idempotent; the work is in services.core.previews."""

import asyncio
import logging
import uuid
from datetime import timedelta

from services.core.clock import utcnow
from services.core.db import session_scope
from services.core.outbox.service import enqueue
from services.core.previews.models import Preview
from services.core.previews.run import fail_preview, run_preview
from services.core.previews.service import PREVIEW_TASK, queue_job_key
from services.core.vocabularies import JobStatus
from services.worker.context import TaskContext
from services.worker.tasks.aggregate import RETRY_DELAYS_SECONDS

logger = logging.getLogger("observatoire.worker")


async def preview(context: TaskContext, preview_id: str) -> bool:
    preview_uuid = uuid.UUID(preview_id)
    try:
        return await run_preview(context.session_factory, preview_uuid)
    except asyncio.CancelledError:
        # The process is stopping: the rows are written in one transaction, so none exist yet.
        await asyncio.shield(_release_interrupted(context, preview_uuid))
        raise
    except Exception as exc:
        await _retry_or_fail(context, preview_uuid, exc)
        return False


async def _release_interrupted(context: TaskContext, preview_id: uuid.UUID) -> None:
    try:
        async with session_scope(context.session_factory) as session:
            record = await session.get(Preview, preview_id, with_for_update=True)
            if record is None or record.status != JobStatus.running:
                return
            record.status = JobStatus.queued
            record.stage = "interrupted"
            record.progress = 0.0
            record.heartbeat_at = utcnow()
    except Exception:
        logger.exception("could not record the interruption of preview %s", preview_id)


async def _retry_or_fail(context: TaskContext, preview_id: uuid.UUID, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"
    logger.exception("preview %s failed", preview_id)
    async with session_scope(context.session_factory) as session:
        record = await session.get(Preview, preview_id)
        if record is None:
            return
        if record.attempts < context.settings.job_max_tries:
            delay = RETRY_DELAYS_SECONDS[min(record.attempts - 1, len(RETRY_DELAYS_SECONDS) - 1)]
            record.status = JobStatus.queued
            record.error = f"attempt {record.attempts} failed, retrying in {delay} s: {error}"[:4000]
            await enqueue(
                session,
                PREVIEW_TASK,
                [str(preview_id)],
                queue_job_key(preview_id, record.attempts),
                available_at=utcnow() + timedelta(seconds=delay),
            )
            return
    await fail_preview(context.session_factory, preview_id, error)
