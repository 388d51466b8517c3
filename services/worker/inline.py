"""Jobs without Redis: the same task functions, run in the API process.

The outbox, the job records and the retries are the same as with arq workers; only the
queue differs (asyncio tasks here). A task still running at shutdown is given a grace period,
then cancelled and written back to the outbox, in the database: the next start runs it again.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from services.core.clock import utcnow
from services.core.db import session_scope
from services.core.outbox.service import enqueue
from services.worker.context import TaskContext
from services.worker.registry import run_task
from services.worker.relay_loop import RelayLoop

logger = logging.getLogger("observatoire.inline")

SHUTDOWN_GRACE_SECONDS = 30
MAX_CONCURRENT_TASKS = 4
RESUMED = ":resumed:"


@dataclass
class _Running:
    task: str
    args: list
    job_key: str
    runner: asyncio.Task


class InlineRunner:
    def __init__(self, context: TaskContext) -> None:
        self.context = context
        self.relay = RelayLoop(context, self.dispatch)
        self._running: dict[str, _Running] = {}
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_TASKS)

    async def dispatch(self, task: str, args: list, job_key: str) -> None:
        if job_key in self._running:
            return  # already queued here: same deterministic key, same task
        runner = asyncio.create_task(self._run(task, list(args), job_key))
        self._running[job_key] = _Running(task, list(args), job_key, runner)

    async def _run(self, task: str, args: list, job_key: str) -> None:
        try:
            async with self._slots:
                # A queue entry here is run once (a retry is a new entry): always its 1st try.
                await run_task(self.context, task, args, queue_job_id=job_key, attempt=1)
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
            runners = [running.runner for running in self._running.values()]
            await asyncio.wait(runners, timeout=min(remaining, 1.0))

    async def stop(self) -> None:
        await self.relay.stop()
        if not self._running:
            return
        running = list(self._running.values())
        _, pending = await asyncio.wait([r.runner for r in running], timeout=SHUTDOWN_GRACE_SECONDS)
        interrupted = [r for r in running if r.runner in pending]
        for item in interrupted:
            item.runner.cancel()
        for item in interrupted:
            with contextlib.suppress(asyncio.CancelledError):
                await item.runner
        if interrupted:
            await self._queue_again(interrupted)

    async def _queue_again(self, interrupted: list[_Running]) -> None:
        """This process held the only queue entry of these tasks (its memory): put them back in
        the outbox, so that the next start runs them rather than a stale-job sweep much later.
        Tasks are idempotent, so one that had in fact finished its work runs again harmlessly."""
        stamp = f"{utcnow().timestamp():.0f}"
        try:
            async with session_scope(self.context.session_factory) as session:
                for item in interrupted:
                    job_key = item.job_key.split(RESUMED)[0] + RESUMED + stamp
                    await enqueue(session, item.task, item.args, job_key)
        except Exception:
            # The database is unreachable too: the stale-job sweep requeues aggregations later.
            logger.exception("could not queue %d interrupted tasks again", len(interrupted))
            return
        logger.warning(
            "shutdown interrupted %d tasks; queued again: %s",
            len(interrupted),
            ", ".join(item.job_key for item in interrupted),
        )
