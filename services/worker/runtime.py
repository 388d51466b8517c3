"""How the API process takes part in jobs: in-process without Redis, relaying to arq with it."""

import logging
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.config import Settings
from services.worker.context import TaskContext
from services.worker.inline import InlineRunner
from services.worker.relay_loop import RelayLoop

if TYPE_CHECKING:
    # arq is imported when a relay first connects, not with this module.
    from arq.connections import ArqRedis

logger = logging.getLogger("observatoire.jobs")


class QueueRelay:
    """With Redis: the API only relays its outbox to arq; workers run the tasks."""

    def __init__(self, context: TaskContext) -> None:
        self.context = context
        self.pool: ArqRedis | None = None
        self.relay: RelayLoop | None = None

    async def dispatch(self, task: str, args: list, job_key: str) -> None:
        from services.worker import arq_queue

        if self.pool is None:
            self.pool = await arq_queue.connect(self._redis_url())
        pool = self.pool
        try:
            await arq_queue.dispatcher(pool)(task, args, job_key)
        except Exception:
            # Reconnect next time: the connection may have died with a Redis restart.
            self.pool = None
            await pool.aclose()
            raise

    def start(self) -> None:
        self.relay = RelayLoop(self.context, self.dispatch)
        self.relay.start()

    def kick(self) -> None:
        if self.relay is not None:
            self.relay.kick()

    async def ping(self) -> bool:
        from services.worker import arq_queue

        if self.pool is None:
            self.pool = await arq_queue.connect(self._redis_url())
        return bool(await self.pool.ping())

    def _redis_url(self) -> str:
        url = self.context.settings.redis_url
        assert url is not None, "a QueueRelay runs only with REDIS_URL"
        return url

    async def stop(self) -> None:
        if self.relay is not None:
            await self.relay.stop()
        if self.pool is not None:
            await self.pool.aclose()


def create_job_runtime(settings: Settings, factory: async_sessionmaker[AsyncSession]):
    context = TaskContext(settings=settings, session_factory=factory)
    if settings.redis_url:
        return QueueRelay(context)
    return InlineRunner(context)
