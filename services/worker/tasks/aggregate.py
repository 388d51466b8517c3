"""The aggregation task: thin and idempotent; the work is in services.core.aggregation."""

import uuid

from services.core.aggregation.run import fail_job, run_aggregation
from services.core.jobs.lifecycle import run_attempt
from services.core.jobs.service import AGGREGATION
from services.worker.context import TaskContext


async def aggregate(context: TaskContext, job_id: str) -> str | None:
    snapshot_id = await run_attempt(
        context.session_factory,
        AGGREGATION,
        uuid.UUID(job_id),
        run_aggregation,
        max_tries=context.settings.job_max_tries,
        timeout_seconds=context.settings.job_timeout_seconds,
        fail=fail_job,
    )
    return str(snapshot_id) if snapshot_id else None
