"""The arq worker (`observatoire worker`): the task functions, start and stop. The aggregation
schedule fires in its relay loop, as in every API process."""

import asyncio
import logging

from arq.worker import func

from services.core.config import get_settings
from services.core.db import create_engine, create_session_factory
from services.core.logs import configure_logging
from services.worker import arq_queue
from services.worker.context import TaskContext
from services.worker.registry import TASKS, run_task
from services.worker.relay_loop import RelayLoop
from services.worker.supervisor import WorkerSupervisor

logger = logging.getLogger("observatoire.worker")
settings = get_settings()
ARQ_TIMEOUT_MARGIN_SECONDS = 10


async def startup(ctx: dict) -> None:
    engine = create_engine(settings)
    context = TaskContext(settings=settings, session_factory=create_session_factory(engine))
    ctx["engine"] = engine
    ctx["context"] = context
    # Workers relay the outbox too: jobs flow even when no API process is running.
    ctx["relay"] = RelayLoop(context, arq_queue.dispatcher(ctx["redis"]))
    ctx["relay"].start()


async def shutdown(ctx: dict) -> None:
    relay = ctx.get("relay")
    if relay is not None:
        await relay.stop()
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


def _task(name: str):
    async def run(ctx: dict, *args):
        return await run_task(
            ctx["context"], name, list(args), queue_job_id=ctx["job_id"], attempt=ctx["job_try"]
        )

    run.__qualname__ = name
    # run_task applies the job timeout, as in the in-process runner; arq's own comes later
    # (ARQ_TIMEOUT_MARGIN_SECONDS > registry.BACKSTOP_MARGIN_SECONDS), for a task that would not
    # stop when cancelled.
    return func(
        run, name=name, timeout=settings.job_timeout_seconds + ARQ_TIMEOUT_MARGIN_SECONDS, max_tries=5
    )


class WorkerSettings:
    functions = [_task(name) for name in TASKS]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = arq_queue.redis_settings(settings.redis_url) if settings.redis_url else None
    queue_name = arq_queue.QUEUE_NAME
    job_timeout = settings.job_timeout_seconds + ARQ_TIMEOUT_MARGIN_SECONDS
    max_tries = 5
    allow_abort_jobs = True
    keep_result = 3600
    # On SIGTERM a job in flight is given this long to finish; past it, it is cancelled and,
    # with retry_jobs, left in the queue for the next worker (the task marks it queued again).
    job_completion_wait = 60
    retry_jobs = True
    health_check_interval = 30


def run_worker() -> None:
    if not settings.redis_url:
        raise SystemExit("REDIS_URL is not set: without it, `observatoire serve` runs jobs itself.")
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(WorkerSupervisor(WorkerSettings, settings.redis_url).run())
