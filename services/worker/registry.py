"""Task names (as written in the outbox), the functions that run them, and the one way to run
one, whichever runner runs it (an arq worker, or the in-process runner of `serve`)."""

import asyncio

from services.core.logs import bound_context
from services.worker.context import TaskContext
from services.worker.tasks.aggregate import aggregate
from services.worker.tasks.deliver_webhook import deliver_webhook
from services.worker.tasks.preview import preview

# After the job timeout, the time a job's attempt has to record how it ended.
BACKSTOP_MARGIN_SECONDS = 5

TASKS = {
    "aggregate": aggregate,
    "deliver_webhook": deliver_webhook,
    "preview": preview,
}


async def run_task(context: TaskContext, name: str, args: list, *, queue_job_id: str, attempt: int):
    """Run task `name`; every log line it writes names its job, as the API's lines name their
    request. An aggregation or a preview bounds its own attempt by the job timeout
    (services.core.jobs.lifecycle.run_attempt); this later bound cancels any task still running
    past it (a webhook delivery, or a job's own bookkeeping that hangs)."""
    with bound_context(task=name, queue_job_id=queue_job_id, attempt=attempt):
        async with asyncio.timeout(context.settings.job_timeout_seconds + BACKSTOP_MARGIN_SECONDS):
            return await TASKS[name](context, *args)
