"""Telling every API process that something it keeps in memory has changed.

Each API process keeps API keys (at most `api_key_cache_seconds` old) and the id of the latest
snapshot in memory, so that a read costs no database round trip for them. When a key is
revoked or a snapshot is published, whoever did it (an API process, a worker, the CLI)
announces it: the listeners of its own process hear it at once, and, with Redis, so does
every other process, through one pub/sub channel. Without Redis the other processes rely on
the maximum age of what they keep (10 s for keys, 1 s for the latest snapshot).

Pub/sub is fire-and-forget: a message sent while a listener is disconnected is lost. So a
listener that (re)connects tells its process to forget everything it keeps, and the caches
use their short bounds while it is not connected (`InvalidationListener.connected`).
"""

import asyncio
import contextlib
import json
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from redis import asyncio as redis_asyncio
from redis.exceptions import RedisError

from services.core.logs import get_logger

logger = get_logger("observatoire.invalidations")

CHANNEL = "observatoire:invalidations"
REDIS_TIMEOUT_SECONDS = 1.0
RECONNECT_DELAYS_SECONDS = (0.25, 0.5, 1.0, 2.0, 5.0)


class Change(StrEnum):
    API_KEY = "api_key"  # revoked, deleted, or its scope or catalyst changed
    SNAPSHOT_PUBLISHED = "snapshot_published"
    EVERYTHING = "everything"  # messages may have been missed: forget all


@dataclass(frozen=True)
class Invalidation:
    change: Change
    subject: str | None = None  # the key's id, the snapshot's id

    def encode(self) -> bytes:
        return json.dumps({"change": self.change.value, "subject": self.subject}).encode()

    @classmethod
    def decode(cls, data: bytes) -> "Invalidation":
        message = json.loads(data)
        return cls(Change(message["change"]), message.get("subject"))


Listener = Callable[[Invalidation], None]
# The caches of this process, held weakly: each API app registers its own when it is built
# (tests build many apps in one process) and they go with it.
_local_listeners: list[weakref.WeakMethod] = []


def listen_locally(listener: Listener) -> None:
    """Call `listener` (a bound method) with every invalidation of this process."""
    _local_listeners.append(weakref.WeakMethod(listener))


def notify_locally(invalidation: Invalidation) -> None:
    for reference in list(_local_listeners):
        listener = reference()
        if listener is None:
            _local_listeners.remove(reference)
        else:
            listener(invalidation)


async def announce(redis_url: str | None, change: Change, subject: uuid.UUID | str | None = None) -> None:
    """Tell this process now, and every other one through Redis when there is one. Never
    raises: a change that cannot be announced is still seen within the caches' maximum age."""
    invalidation = Invalidation(change, None if subject is None else str(subject))
    notify_locally(invalidation)
    if not redis_url:
        return
    try:
        # Changes are rare (a revocation, a publication): a connection each is cheaper than
        # keeping one open in every process that may announce.
        client = redis_asyncio.Redis.from_url(
            redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )
        async with client:
            await client.publish(CHANNEL, invalidation.encode())
    except (RedisError, OSError, TimeoutError) as exc:
        logger.warning(
            "change not announced to the other processes: Redis is not answering",
            change=change.value,
            error=str(exc),
        )


class InvalidationListener:
    """Hears the announcements of every process on Redis and passes them to this process's
    listeners; reconnects by itself when Redis goes and comes back."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self.connected = False
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="invalidation-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.connected = False

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, TimeoutError) as exc:
                if self.connected:
                    failures = 0
                if failures == 0:
                    logger.warning(
                        "not hearing other processes' changes: Redis is not answering", error=str(exc)
                    )
            finally:
                self.connected = False
            delay = RECONNECT_DELAYS_SECONDS[min(failures, len(RECONNECT_DELAYS_SECONDS) - 1)]
            failures += 1
            await asyncio.sleep(delay)

    async def _listen(self) -> None:
        client = redis_asyncio.Redis.from_url(
            self.redis_url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            # Reads wait for messages; the health check notices a Redis that went away.
            health_check_interval=5,
        )
        async with client, client.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(CHANNEL)
            # Whatever was announced while this process was not listening is unknown.
            self.connected = True
            notify_locally(Invalidation(Change.EVERYTHING))
            logger.info("hearing other processes' changes on Redis")
            while True:
                message = await pubsub.get_message(timeout=5.0)
                if message is None:
                    await pubsub.ping()
                    continue
                if message.get("type") != "message":
                    continue
                try:
                    invalidation = Invalidation.decode(message["data"])
                except (ValueError, KeyError, TypeError):
                    logger.warning("ignored a malformed invalidation message")
                    continue
                notify_locally(invalidation)
