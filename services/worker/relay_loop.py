"""The loop that keeps the outbox flowing, in the API process and in every worker, and fires
the aggregation schedule (in UTC), whichever of them gets to an instant first."""

import asyncio
import contextlib
import logging
from datetime import datetime

from services.core.clock import utcnow
from services.core.outbox.cron import parse_cron
from services.worker.context import Dispatch, TaskContext
from services.worker.tasks.relay import (
    purge_expired_previews,
    relay_outbox,
    requeue_stale_jobs,
    requeue_stale_previews,
)
from services.worker.tasks.schedule import fire_scheduled_aggregation

logger = logging.getLogger("observatoire.relay")

STALE_CHECK_EVERY = 60  # iterations


class RelayLoop:
    def __init__(self, context: TaskContext, dispatch: Dispatch) -> None:
        self.context = context
        self.dispatch = dispatch
        expression = context.settings.aggregation_cron
        self.schedule = parse_cron(expression) if expression else None
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._watching_since = utcnow()
        # The newest instant known to have fired (here or elsewhere): no need to ask again.
        self._fired_up_to: datetime | None = None

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
        if self.schedule is not None:
            try:
                await self._fire_schedule()
            except Exception:  # the database may be down: the instant fires once it is back
                logger.exception("scheduled aggregation could not be requested")
        await relay_outbox(self.context, self.dispatch)
        if iteration % STALE_CHECK_EVERY == 0:
            await requeue_stale_jobs(self.context)
            await requeue_stale_previews(self.context)
            await purge_expired_previews(self.context)

    async def _fire_schedule(self) -> None:
        assert self.schedule is not None, "run_once fires only a configured schedule"
        due = self.schedule.latest_at_or_before(utcnow())
        if self._fired_up_to is not None and due <= self._fired_up_to:
            return
        job_id = await fire_scheduled_aggregation(self.context, due, self._watching_since)
        self._fired_up_to = due
        if job_id is not None:
            logger.info("scheduled aggregation job %s requested for %s", job_id, due.isoformat())

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
