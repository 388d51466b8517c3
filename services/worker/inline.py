"""Jobs without Redis: the same task functions, run in the API process.

The outbox, the job records and the retries are the same as with arq workers; only the
queue differs (asyncio tasks here). A task still running at shutdown is given a grace period,
then cancelled: its job stays active in the database and is requeued at the next start.
"""

import asyncio
import contextlib
import logging

from services.worker.context import TaskContext
from services.worker.cron import parse_cron
from services.worker.registry import TASKS
from services.worker.relay_loop import RelayLoop

logger = logging.getLogger("observatoire.inline")

SHUTDOWN_GRACE_SECONDS = 30
MAX_CONCURRENT_TASKS = 4


class InlineRunner:
    def __init__(self, context: TaskContext) -> None:
        self.context = context
        schedule = (
            parse_cron(context.settings.aggregation_cron) if context.settings.aggregation_cron else None
        )
        self.relay = RelayLoop(context, self.dispatch, schedule)
        self._running: dict[str, asyncio.Task] = {}
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_TASKS)

    async def dispatch(self, task: str, args: list, job_key: str, defer_seconds: float) -> None:
        if job_key in self._running:
            return  # already queued here: same deterministic key, same task
        function = TASKS[task]
        self._running[job_key] = asyncio.create_task(self._run(function, args, job_key, defer_seconds))

    async def _run(self, function, args: list, job_key: str, defer_seconds: float) -> None:
        try:
            if defer_seconds:
                await asyncio.sleep(defer_seconds)
            async with self._slots:
                await function(self.context, *args)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("task %s failed", job_key)
        finally:
            self._running.pop(job_key, None)

    def start(self) -> None:
        self.relay.start()

    def kick(self) -> None:
        self.relay.kick()

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until every task dispatched so far is done (tests, CLI `--wait`)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            await self.relay.run_once()
            if not self._running:
                return
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError("tasks still running")
            await asyncio.wait(list(self._running.values()), timeout=min(remaining, 1.0))

    async def stop(self) -> None:
        await self.relay.stop()
        if self._running:
            _, pending = await asyncio.wait(list(self._running.values()), timeout=SHUTDOWN_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
