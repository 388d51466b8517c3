"""Task names (as written in the outbox), the functions that run them, and the one way to run
one, whichever runner runs it (an arq worker, or the in-process runner of `serve`)."""

import asyncio

from services.core.logs import bound_context
from services.worker.context import TaskContext
from services.worker.tasks.aggregate import aggregate
from services.worker.tasks.deliver_webhook import deliver_webhook
from services.worker.tasks.preview import preview

TASKS = {
    "aggregate": aggregate,
    "deliver_webhook": deliver_webhook,
    "preview": preview,
}


async def run_task(context: TaskContext, name: str, args: list, *, queue_job_id: str, attempt: int):
    """Run task `name` within the job timeout; every log line it writes names its job, as the
    API's lines name their request. A task past its timeout is cancelled: a job gives itself
    back (queued again), and one silent for that long is run again by the stale-job sweep."""
    with bound_context(task=name, queue_job_id=queue_job_id, attempt=attempt):
        async with asyncio.timeout(context.settings.job_timeout_seconds):
            return await TASKS[name](context, *args)
