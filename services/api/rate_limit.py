"""Per-key rate limiting: a fixed window of N requests per key, 429 with `Retry-After` beyond.

The count is kept in Redis when it is configured, so that every API replica shares it; in
memory otherwise. If Redis stops answering, each replica counts in memory until it is back:
the API keeps serving (a limit that is briefly per replica is better than no service).

A request is counted against the key it presents (a hash of it: the key itself is never
stored), or against the client's address when it presents none.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from redis import asyncio as redis_asyncio
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.problems import problem_response
from services.core.logs import get_logger

logger = get_logger("observatoire.rate_limit")

# Probes and scrapes must work whatever a client does.
EXEMPT_PATHS = frozenset({"/v1/health", "/v1/ready", "/metrics"})
REDIS_KEY_PREFIX = "observatoire:rate:"
# After Redis failed, how long to count in memory before trying it again.
REDIS_RETRY_SECONDS = 5.0
REDIS_TIMEOUT_SECONDS = 0.25


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int


def _decision(count: int, limit: int, window: int, now: float) -> Decision:
    reset = max(1, math.ceil(window - (now % window)))
    return Decision(count <= limit, limit, max(limit - count, 0), reset)


class MemoryCounter:
    """Counts of the current window, one process."""

    def __init__(self) -> None:
        self.window_index = -1
        self.counts: dict[str, int] = {}

    async def increment(self, identity: str, window_index: int, window_seconds: int) -> int:
        if window_index != self.window_index:
            # A new window: the old counts are of no use any more, drop them all at once.
            self.window_index = window_index
            self.counts = {}
        count = self.counts.get(identity, 0) + 1
        self.counts[identity] = count
        return count


class RedisCounter:
    def __init__(self, url: str) -> None:
        self.client = redis_asyncio.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )

    async def increment(self, identity: str, window_index: int, window_seconds: int) -> int:
        key = f"{REDIS_KEY_PREFIX}{identity}:{window_index}"
        async with self.client.pipeline(transaction=False) as pipeline:
            pipeline.incr(key)
            pipeline.expire(key, window_seconds + 1)
            count, _ = await pipeline.execute()
        return int(count)

    async def close(self) -> None:
        await self.client.aclose()


class RateLimiter:
    def __init__(self, limit: int, window_seconds: int, redis_url: str | None = None) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.memory = MemoryCounter()
        self.redis = RedisCounter(redis_url) if redis_url else None
        self.redis_retry_at = 0.0

    async def hit(self, identity: str) -> Decision:
        now = time.time()
        window_index = int(now // self.window_seconds)
        count = None
        if self.redis is not None and time.monotonic() >= self.redis_retry_at:
            try:
                count = await self.redis.increment(identity, window_index, self.window_seconds)
            except (TimeoutError, RedisError, OSError) as exc:
                self.redis_retry_at = time.monotonic() + REDIS_RETRY_SECONDS
                logger.warning("rate limiting counts in memory: Redis is not answering", error=str(exc))
        if count is None:
            count = await self.memory.increment(identity, window_index, self.window_seconds)
        return _decision(count, self.limit, self.window_seconds, now)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.close()


def client_identity(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            credentials = value.split(b" ", 1)[-1].strip()
            if credentials:
                return "key:" + hashlib.sha256(credentials).hexdigest()[:32]
            break
    client = scope.get("client")
    return "address:" + (client[0] if client else "unknown")


def _headers(decision: Decision) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(decision.limit).encode()),
        (b"ratelimit-remaining", str(decision.remaining).encode()),
        (b"ratelimit-reset", str(decision.reset_seconds).encode()),
    ]


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        decision = await self.limiter.hit(client_identity(scope))
        headers = _headers(decision)
        if not decision.allowed:
            response = problem_response(
                Request(scope),
                429,
                f"More than {decision.limit} requests in {self.limiter.window_seconds} s with this key; "
                f"retry in {decision.reset_seconds} s.",
                slug="too-many-requests",
                headers={"Retry-After": str(decision.reset_seconds)},
            )
            response.raw_headers.extend(headers)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
