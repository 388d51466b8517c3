"""`observatoire worker` through Redis outages: one process, arq workers one after the other.

arq's Worker stops with the first Redis error. Here a worker whose connection broke is retired
(its jobs in flight finish, since they need only the database), and a new one connects after a
back-off (1 s doubling to 30 s), so that queued jobs run as soon as Redis is back without
anything restarting the process. Signals are handled here, for the worker of the moment and the
jobs a retired one still runs: they get `job_completion_wait` to finish, as arq gives them.
"""

import asyncio
import contextlib
import logging
import signal

from arq.connections import ArqRedis
from arq.worker import Worker, create_worker
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from services.worker import arq_queue

logger = logging.getLogger("observatoire.worker")

FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 30.0
# What a lost or refused Redis connection raises (OSError covers refused and reset sockets).
REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class WorkerSupervisor:
    def __init__(self, settings_class: type, redis_url: str) -> None:
        self.settings_class = settings_class
        self.redis_url = redis_url
        # Made again by each run; an Event binds to no loop until it is awaited.
        self._stopping = asyncio.Event()
        self._current: Worker | None = None
        self._retired: dict[Worker, asyncio.Task] = {}

    async def run(self) -> None:
        """Run workers until SIGTERM or SIGINT; returns once every job is finished or given back."""
        self._stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._on_signal, signum)
        try:
            await self._run_workers()
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
            await asyncio.gather(*self._retired.values(), return_exceptions=True)

    async def _run_workers(self) -> None:
        delay = FIRST_RETRY_SECONDS
        warned = False  # one warning per outage: the reconnection attempts that follow are quiet
        while not self._stopping.is_set():
            failure: BaseException | None
            try:
                pool = await arq_queue.connect(self.redis_url)
            except REDIS_UNAVAILABLE as error:
                failure = error
            else:
                if self._stopping.is_set():
                    await pool.aclose(close_connection_pool=True)
                    return
                if warned:
                    logger.info("Redis is available again: the worker takes jobs again")
                    warned = False
                delay = FIRST_RETRY_SECONDS
                failure = await self._run_one(pool)
                if failure is None:
                    return
            if not warned:
                logger.warning("Redis is unavailable (%s): the worker reconnects in %.0f s", failure, delay)
                warned = True
            await self._pause(delay)
            delay = min(delay * 2, LONGEST_RETRY_SECONDS)

    async def _run_one(self, pool: ArqRedis) -> BaseException | None:
        """Run one arq worker on `pool` until a signal (None) or a Redis error (returned)."""
        worker = create_worker(self.settings_class, redis_pool=pool, handle_signals=False)
        worker.main_task = asyncio.create_task(worker.main())
        self._current = worker
        try:
            await asyncio.wait({worker.main_task})
        finally:
            self._current = None
        error = None if worker.main_task.cancelled() else worker.main_task.exception()
        if error is not None and not isinstance(error, REDIS_UNAVAILABLE):
            await _close(worker, pool)
            raise error
        if error is None:
            await _close(worker, pool)
            return None
        # Jobs in flight go on (they need only the database); the worker is closed after them.
        self._retired[worker] = asyncio.create_task(self._retire(worker, pool))
        if self._stopping.is_set():
            return None
        return error

    async def _retire(self, worker: Worker, pool: ArqRedis) -> None:
        try:
            relay = worker.ctx.get("relay")
            if relay is not None:
                await relay.stop()  # it would only fail to reach Redis until the next worker's starts
            await _close(worker, pool)
        finally:
            self._retired.pop(worker, None)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _on_signal(self, signum: signal.Signals) -> None:
        self._stopping.set()
        current = self._current
        if current is not None:
            # Stop taking jobs, give those in flight job_completion_wait, then stop the worker.
            current.handle_sig_wait_for_completion(signum)
        for retired in list(self._retired):
            retired.handle_sig_wait_for_completion(signum)


async def _close(worker: Worker, pool: ArqRedis) -> None:
    """arq's Worker.close(), without failing when Redis is gone."""
    await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
    with contextlib.suppress(*REDIS_UNAVAILABLE):
        await pool.delete(worker.health_check_key)
    try:
        if worker.on_shutdown is not None:
            await worker.on_shutdown(worker.ctx)
    finally:
        with contextlib.suppress(*REDIS_UNAVAILABLE):
            await pool.aclose(close_connection_pool=True)
