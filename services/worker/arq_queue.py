"""arq, behind one small interface: everything else speaks of tasks, not of arq.

arq is in maintenance mode upstream; replacing it means rewriting this module and
settings.py only.
"""

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

from services.worker.context import Dispatch

QUEUE_NAME = "observatoire:queue"


def redis_settings(redis_url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(redis_url)
    settings.conn_timeout = 2
    settings.conn_retries = 0
    return settings


async def connect(redis_url: str) -> ArqRedis:
    return await create_pool(redis_settings(redis_url), default_queue_name=QUEUE_NAME)


def dispatcher(pool: ArqRedis) -> Dispatch:
    async def dispatch(task: str, args: list, job_key: str) -> None:
        # A deterministic _job_id: arq ignores a second enqueue while the first is known.
        await pool.enqueue_job(task, *args, _job_id=job_key, _queue_name=QUEUE_NAME)

    return dispatch
