"""The scheduled aggregation: requests a job for today, like staff would."""

from services.core.db import session_scope
from services.core.jobs.service import request_job
from services.worker.context import TaskContext


async def scheduled_aggregation(context: TaskContext) -> str:
    async with session_scope(context.session_factory) as session:
        job, _ = await request_job(
            session, as_of=None, methodology_version=None, requested_by=None, trigger="schedule"
        )
        return str(job.id)
