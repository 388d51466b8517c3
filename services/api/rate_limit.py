"""Per-key rate limiting: a fixed window of N requests per key, 429 with `Retry-After` beyond.

The count is kept in Redis when it is configured, so that every API replica shares it; in
memory otherwise. If Redis stops answering, each replica counts in memory until it is back:
the API keeps serving (a limit that is briefly per replica is better than no service).

A request is counted against the key it presents (a hash of it: the key itself is never
stored), or against the client's address when it presents none. Since every made-up key
would get a count of its own, the answers 401 are also counted per client address: past
their own limit, that address is refused whatever key it presents, so keys cannot be
guessed at the rate of the whole API.
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


FAILED_AUTHENTICATION_PREFIX = "unauthorized:"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    # Refused because of the answers 401 of the client's address, not the key's own count.
    too_many_failures: bool = False


class MemoryCounter:
    """Counts of the current window, one process."""

    def __init__(self) -> None:
        self.window_index = -1
        self.counts: dict[str, int] = {}

    def _window(self, window_index: int) -> dict[str, int]:
        if window_index != self.window_index:
            # A new window: the old counts are of no use any more, drop them all at once.
            self.window_index = window_index
            self.counts = {}
        return self.counts

    async def increment(
        self, identity: str, window_index: int, window_seconds: int, read: str
    ) -> tuple[int, int]:
        """Count one more for `identity`; its count and that of `read`, in this window."""
        counts = self._window(window_index)
        count = counts.get(identity, 0) + 1
        counts[identity] = count
        return count, counts.get(read, 0)


class RedisCounter:
    def __init__(self, url: str) -> None:
        self.client = redis_asyncio.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )

    async def increment(
        self, identity: str, window_index: int, window_seconds: int, read: str
    ) -> tuple[int, int]:
        key = f"{REDIS_KEY_PREFIX}{identity}:{window_index}"
        async with self.client.pipeline(transaction=False) as pipeline:
            pipeline.incr(key)
            pipeline.expire(key, window_seconds + 1)
            pipeline.get(f"{REDIS_KEY_PREFIX}{read}:{window_index}")
            count, _, other = await pipeline.execute()
        return int(count), int(other or 0)

    async def close(self) -> None:
        await self.client.aclose()


class RateLimiter:
    def __init__(
        self, limit: int, window_seconds: int, redis_url: str | None = None, failed_limit: int | None = None
    ) -> None:
        self.limit = limit
        self.failed_limit = limit if failed_limit is None else failed_limit
        self.window_seconds = window_seconds
        self.memory = MemoryCounter()
        self.redis = RedisCounter(redis_url) if redis_url else None
        self.redis_retry_at = 0.0

    async def _increment(self, identity: str, read: str, now: float) -> tuple[int, int]:
        window_index = int(now // self.window_seconds)
        if self.redis is not None and time.monotonic() >= self.redis_retry_at:
            try:
                return await self.redis.increment(identity, window_index, self.window_seconds, read)
            except (TimeoutError, RedisError, OSError) as exc:
                self.redis_retry_at = time.monotonic() + REDIS_RETRY_SECONDS
                logger.warning("rate limiting counts in memory: Redis is not answering", error=str(exc))
        return await self.memory.increment(identity, window_index, self.window_seconds, read)

    async def hit(self, identity: str, address: str) -> Decision:
        """Count a request of `identity` (a key, or the address) coming from `address`."""
        now = time.time()
        count, failures = await self._increment(identity, FAILED_AUTHENTICATION_PREFIX + address, now)
        reset = max(1, math.ceil(self.window_seconds - (now % self.window_seconds)))
        if failures >= self.failed_limit:
            return Decision(False, self.limit, max(self.limit - count, 0), reset, too_many_failures=True)
        return Decision(count <= self.limit, self.limit, max(self.limit - count, 0), reset)

    async def record_failed_authentication(self, address: str) -> None:
        await self._increment(
            FAILED_AUTHENTICATION_PREFIX + address, FAILED_AUTHENTICATION_PREFIX + address, time.time()
        )

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.close()


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return "address:" + (client[0] if client else "unknown")


def client_identity(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            credentials = value.split(b" ", 1)[-1].strip()
            if credentials:
                return "key:" + hashlib.sha256(credentials).hexdigest()[:32]
            break
    return client_address(scope)


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
        address = client_address(scope)
        decision = await self.limiter.hit(client_identity(scope), address)
        headers = _headers(decision)
        if not decision.allowed:
            detail = (
                "Too many requests without a valid key from this address; "
                f"retry in {decision.reset_seconds} s."
                if decision.too_many_failures
                else f"More than {decision.limit} requests in {self.limiter.window_seconds} s with this key; "
                f"retry in {decision.reset_seconds} s."
            )
            response = problem_response(
                Request(scope),
                429,
                detail,
                slug="too-many-requests",
                headers={"Retry-After": str(decision.reset_seconds)},
            )
            response.raw_headers.extend(headers)
            await response(scope, receive, send)
            return

        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if status == 401:
            await self.limiter.record_failed_authentication(address)
