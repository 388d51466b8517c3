"""`observatoire aggregate` with REDIS_URL leaves no connection to Redis open behind it."""

import asyncio

import redis.asyncio as redis

from services.core.config import Settings
from services.worker.arq_queue import QUEUE_NAME
from services.worker.cli_aggregate import request_and_follow
from tests.databases import fresh_database


async def _queue_and_other_clients(redis_url: str) -> tuple[int, int]:
    """Jobs in the queue, and connections to Redis other than the one asking."""
    client = redis.from_url(redis_url)
    try:
        return await client.zcard(QUEUE_NAME), len(await client.client_list()) - 1
    finally:
        await client.aclose()


async def _aggregate_then_look(settings: Settings) -> tuple[str, int, int]:
    status = await request_and_follow(settings, as_of=None, wait=False)
    return status, *await _queue_and_other_clients(settings.redis_url)


def test_aggregate_without_wait_closes_its_redis_connections(tmp_path, redis_server):
    with fresh_database("sqlite", tmp_path) as database_url:
        settings = Settings(database_url=database_url, redis_url=redis_server.url)
        status, queued, other_clients = asyncio.run(_aggregate_then_look(settings))
    assert status == "queued"
    assert queued == 1  # the command did talk to Redis...
    assert other_clients == 0  # ...and hung up when it was done
