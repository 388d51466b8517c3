"""The loop that keeps the outbox flowing, in the API process and in every worker."""

import asyncio
import contextlib
import logging
from datetime import datetime

from services.core.clock import utcnow
from services.worker.context import Dispatch, TaskContext
from services.worker.cron import CronSchedule
from services.worker.tasks.relay import (
    purge_expired_previews,
    relay_outbox,
    requeue_stale_jobs,
    requeue_stale_previews,
)
from services.worker.tasks.schedule import scheduled_aggregation

logger = logging.getLogger("observatoire.relay")

STALE_CHECK_EVERY = 60  # iterations


class RelayLoop:
    def __init__(
        self, context: TaskContext, dispatch: Dispatch, schedule: CronSchedule | None = None
    ) -> None:
        self.context = context
        self.dispatch = dispatch
        self.schedule = schedule
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._next_run: datetime | None = schedule.next_after(utcnow()) if schedule else None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    def kick(self) -> None:
        """Something was just written to the outbox: relay it now rather than at the next tick."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self, iteration: int = 0) -> None:
        if self.schedule is not None and self._next_run is not None and utcnow() >= self._next_run:
            self._next_run = self.schedule.next_after(utcnow())
            job_id = await scheduled_aggregation(self.context)
            logger.info("scheduled aggregation job %s requested", job_id)
        await relay_outbox(self.context, self.dispatch)
        if iteration % STALE_CHECK_EVERY == 0:
            await requeue_stale_jobs(self.context)
            await requeue_stale_previews(self.context)
            await purge_expired_previews(self.context)

    async def _run(self) -> None:
        iteration = 0
        while True:
            try:
                await self.run_once(iteration)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be down: try again at the next tick
                logger.exception("outbox relay iteration failed")
            iteration += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.context.settings.relay_interval_seconds)
            self._wake.clear()
