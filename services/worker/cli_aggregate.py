"""`observatoire aggregate`: request a job and, with --wait, follow it with a progress bar."""

import asyncio
from datetime import date

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, session_scope
from services.core.jobs.lifecycle import FINISHED
from services.core.jobs.models import AggregationJob
from services.core.jobs.service import request_job
from services.core.snapshots.service import any_published
from services.worker.context import TaskContext
from services.worker.inline import InlineRunner
from services.worker.runtime import QueueRelay, create_job_runtime
from services.worker.tasks.relay import relay_outbox

POLL_SECONDS = 0.5


# What request_and_follow returns when --if-none-published found a snapshot.
SKIPPED = "skipped"


async def request_and_follow(
    settings: Settings, as_of: date | None, wait: bool, if_none_published: bool = False
) -> str:
    console = Console(stderr=True)
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    try:
        async with session_scope(factory) as session:
            if if_none_published and await any_published(session):
                console.print("A snapshot is already published: no aggregation requested.")
                return SKIPPED
            job, created = await request_job(
                session, as_of=as_of, methodology_version=None, requested_by=None, trigger="cli"
            )
        console.print(f"Aggregation job {job.id} ({'new' if created else 'already queued'}).")
        runtime = create_job_runtime(settings, factory)
        try:
            return await _hand_over_and_follow(runtime, settings, factory, job, wait, console)
        finally:
            # With Redis, the relay's connection pool; without, nothing left running.
            await runtime.stop()
    finally:
        await engine.dispose()


async def _hand_over_and_follow(runtime, settings: Settings, factory, job, wait: bool, console) -> str:
    runner_task = None
    if isinstance(runtime, QueueRelay):
        await relay_outbox(TaskContext(settings, factory), runtime.dispatch)
    elif wait:
        # No Redis: this process runs the job itself.
        assert isinstance(runtime, InlineRunner)
        runner_task = asyncio.create_task(runtime.drain(timeout=24 * 3600))
    else:
        console.print("No REDIS_URL: a running `observatoire serve` will run it.")
    if not wait:
        return job.status
    status = await _follow(factory, job.id, console)
    if runner_task is not None:
        await runner_task
    return status


async def _follow(factory, job_id, console: Console) -> str:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("queued", total=1.0)
        while True:
            async with factory() as session:
                job = await session.get(AggregationJob, job_id)
            progress.update(bar, completed=job.progress, description=job.stage or job.status)
            if job.status in FINISHED:
                break
            await asyncio.sleep(POLL_SECONDS)
    if job.status == "succeeded":
        console.print(f"Succeeded: snapshot {job.snapshot_id}.")
    else:
        console.print(f"{job.status.capitalize()}: {job.error or ''}")
    print(job.snapshot_id or job.status)
    return job.status
