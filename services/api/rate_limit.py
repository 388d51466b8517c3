"""Per-key rate limiting: a fixed window of N requests per key, 429 with `Retry-After` beyond.

A request is counted against the key it presents (a hash of it: the key itself is never
stored), or against the client's address when it presents none.

Counting costs no network round trip. Each process counts the requests of the current window
in memory and decides from `shared total at the last sync + increments made here since`. With
Redis configured, a background task reconciles every `SYNC_INTERVAL_SECONDS`: it adds the
increments of the process since the last sync to the shared counts (INCRBY + EXPIRE, one
pipelined round trip; none when idle), and keeps the totals Redis answers, also reading those
of the identities it added at the previous sync if they were idle here since. A replica
thus decides from a view of the others about one interval old: together, the replicas can
accept past the limit about the requests each of them accepts in one interval. If Redis
stops answering, each process goes on counting alone (its increments are kept and added once
Redis is back): the API keeps serving, a limit briefly per replica being better than no
service.

Failed authentications. Since every made-up key would get a count of its own, the answers 401
are also counted per client address: past `failed_limit`, that address is refused (429) before
its key is even checked, so keys cannot be guessed at the rate of the whole API. Clients that
share an address (a NAT, a proxy) must not be locked out by a neighbour guessing keys: a key
that authenticated successfully in this process (the app says so by setting
`state["api_key_id"]`, which only happens once the key was checked) is remembered, and a
remembered key passes the address's refusal, subject to its own count. Only a positive answer
of the authentication remembers a key, never a mere absence of 401 (a 404 of an unknown path
never checks the key): otherwise a guesser could get its guesses remembered before being
refused and then have them checked at will. A key this process has not yet seen authenticate
is refused from such an address like a guess, since checking it would tell the guesser
whether it exists. A remembered key that gets a 401 (revoked) is forgotten.
"""

import asyncio
import contextlib
import hashlib
import math
import time
from collections import OrderedDict
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
# How stale a process's view of the other replicas' counts may be.
SYNC_INTERVAL_SECONDS = 0.25
# After a sync failed, how long to count alone before trying Redis again.
REDIS_RETRY_SECONDS = 1.0
REDIS_TIMEOUT_SECONDS = 0.25
# Keys remembered as valid, the least recently authenticated forgotten first: about 100 bytes
# each.
REMEMBERED_KEYS = 10_000

FAILED_AUTHENTICATION_PREFIX = "unauthorized:"
KEY_PREFIX = "key:"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    # Refused because of the answers 401 of the client's address, not the key's own count.
    too_many_failures: bool = False


class WindowCounts:
    """The counts of one process in the current window: the shared totals Redis answered at
    the last sync, the increments a sync in progress is adding, and those made here since
    (the whole count without Redis)."""

    def __init__(self) -> None:
        self.window_index = -1
        self.shared: dict[str, int] = {}
        # Still counted here until Redis answers: the requests of that moment must see them.
        self.in_flight: dict[str, int] = {}
        self.unsynced: dict[str, int] = {}
        # Added to Redis at the last sync: read again at the next one if idle here meanwhile,
        # so that each replica sees the final totals of a burst shared by several.
        self.last_added: frozenset[str] = frozenset()

    def enter(self, window_index: int) -> None:
        if window_index != self.window_index:
            # A new window: the old counts are of no use any more, drop them all at once.
            self.window_index = window_index
            self.shared = {}
            self.in_flight = {}
            self.unsynced = {}
            self.last_added = frozenset()

    def count(self, identity: str) -> int:
        return self.shared.get(identity, 0) + self.in_flight.get(identity, 0) + self.unsynced.get(identity, 0)

    def increment(self, identity: str) -> int:
        self.unsynced[identity] = self.unsynced.get(identity, 0) + 1
        return self.count(identity)

    def start_sync(self) -> dict[str, int]:
        """The increments to add to Redis: those made here since the last sync."""
        self.in_flight, self.unsynced = self.unsynced, {}
        return self.in_flight

    def sync_failed(self, window_index: int) -> None:
        """Redis did not take the increments: kept here, to be added at the next sync."""
        if window_index != self.window_index:
            return
        for identity, increment in self.in_flight.items():
            self.unsynced[identity] = self.unsynced.get(identity, 0) + increment
        self.in_flight = {}

    def sync_done(self, window_index: int, totals: dict[str, int]) -> None:
        # A sync that straddled the end of a window answers for a window already dropped.
        if window_index != self.window_index:
            return
        # The totals include the increments in flight.
        self.shared.update(totals)
        self.last_added = frozenset(self.in_flight)
        self.in_flight = {}


class SharedCounts:
    """The counts of all replicas, in Redis: one key per identity and window."""

    def __init__(self, url: str) -> None:
        self.client = redis_asyncio.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )

    async def exchange(
        self, window_index: int, window_seconds: int, increments: dict[str, int], refresh: list[str]
    ) -> dict[str, int]:
        """Add `increments` to the shared counts; the totals of their identities after the
        addition, and those of the identities of `refresh`."""
        added = list(increments)
        async with self.client.pipeline(transaction=False) as pipeline:
            for identity in added:
                key = self._key(identity, window_index)
                pipeline.incrby(key, increments[identity])
                pipeline.expire(key, window_seconds + 1)
            if refresh:
                pipeline.mget([self._key(identity, window_index) for identity in refresh])
            answers = await pipeline.execute()
        totals = {identity: int(answers[2 * position]) for position, identity in enumerate(added)}
        if refresh:
            totals.update(
                (identity, int(total or 0)) for identity, total in zip(refresh, answers[-1], strict=True)
            )
        return totals

    @staticmethod
    def _key(identity: str, window_index: int) -> str:
        return f"{REDIS_KEY_PREFIX}{identity}:{window_index}"

    async def close(self) -> None:
        await self.client.aclose()


class RememberedKeys:
    """Keys that authenticated successfully in this process, the most recent last."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.identities: OrderedDict[str, None] = OrderedDict()

    def remember(self, identity: str) -> None:
        self.identities[identity] = None
        self.identities.move_to_end(identity)
        if len(self.identities) > self.capacity:
            self.identities.popitem(last=False)

    def forget(self, identity: str) -> None:
        self.identities.pop(identity, None)

    def __contains__(self, identity: str) -> bool:
        return identity in self.identities


class RateLimiter:
    """Decides on each request from this process's counts; shares them through Redis, when
    configured, from a background task started by the first request and stopped by `close`."""

    def __init__(
        self,
        limit: int,
        window_seconds: int,
        redis_url: str | None = None,
        failed_limit: int | None = None,
        *,
        sync_interval_seconds: float = SYNC_INTERVAL_SECONDS,
        redis_retry_seconds: float = REDIS_RETRY_SECONDS,
    ) -> None:
        self.limit = limit
        self.failed_limit = limit if failed_limit is None else failed_limit
        self.window_seconds = window_seconds
        self.sync_interval_seconds = sync_interval_seconds
        self.redis_retry_seconds = redis_retry_seconds
        self.counts = WindowCounts()
        self.shared = SharedCounts(redis_url) if redis_url else None
        self.remembered_keys = RememberedKeys(REMEMBERED_KEYS)
        self.redis_answering = True
        # Pipelines sent to Redis, answered or not: what the limiter costs the network.
        self.redis_round_trips = 0
        self._sync_lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._sync_task: asyncio.Task | None = None

    def _enter_current_window(self) -> float:
        now = time.time()
        self.counts.enter(int(now // self.window_seconds))
        return now

    def hit(self, identity: str, address: str) -> Decision:
        """Count a request of `identity` (a key, or the address) coming from `address`."""
        self._start_syncing()
        now = self._enter_current_window()
        reset = max(1, math.ceil(self.window_seconds - (now % self.window_seconds)))
        failures = self.counts.count(FAILED_AUTHENTICATION_PREFIX + address)
        if failures >= self.failed_limit and identity not in self.remembered_keys:
            # Not counted against the identity: each guess would otherwise leave a count behind.
            remaining = max(self.limit - self.counts.count(identity), 0)
            return Decision(False, self.limit, remaining, reset, too_many_failures=True)
        count = self.counts.increment(identity)
        return Decision(count <= self.limit, self.limit, max(self.limit - count, 0), reset)

    def record_failed_authentication(self, identity: str, address: str) -> None:
        self._enter_current_window()
        self.counts.increment(FAILED_AUTHENTICATION_PREFIX + address)
        self.remembered_keys.forget(identity)

    def record_authenticated(self, identity: str) -> None:
        if identity.startswith(KEY_PREFIX):
            self.remembered_keys.remember(identity)

    async def sync(self) -> None:
        """Add this process's increments since the last sync to the shared counts, and keep
        the totals Redis answers (also those of the identities added at the previous sync)."""
        if self.shared is None:
            return
        async with self._sync_lock:
            self._enter_current_window()
            window_index = self.counts.window_index
            increments = self.counts.start_sync()
            refresh = [identity for identity in self.counts.last_added if identity not in increments]
            if not increments and not refresh:
                return
            self.redis_round_trips += 1
            try:
                totals = await self.shared.exchange(window_index, self.window_seconds, increments, refresh)
            except (TimeoutError, RedisError, OSError) as exc:
                self.counts.sync_failed(window_index)
                if self.redis_answering:
                    # Once per outage, not once per interval.
                    self.redis_answering = False
                    logger.warning(
                        "rate limiting counts in this process alone: Redis is not answering", error=str(exc)
                    )
                return
            except BaseException:
                # Cancelled, or a bug: the increments stay counted here all the same.
                self.counts.sync_failed(window_index)
                raise
            self.counts.sync_done(window_index, totals)
            if not self.redis_answering:
                self.redis_answering = True
                logger.info("rate limiting shares its counts through Redis again")

    def _start_syncing(self) -> None:
        # Lazily, from the first request: the task needs the event loop that serves.
        if self.shared is None or self._stopping.is_set():
            return
        if self._sync_task is None or self._sync_task.done():
            self._sync_task = asyncio.get_running_loop().create_task(self._sync_until_stopped())

    async def _sync_until_stopped(self) -> None:
        while not self._stopping.is_set():
            pause = self.sync_interval_seconds if self.redis_answering else self.redis_retry_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=pause)
            try:
                await self.sync()
            except Exception:
                # A bug in one sync must not leave the replicas counting apart for good.
                logger.exception("rate limiting could not share its counts")

    async def close(self) -> None:
        """Stop syncing, after a last sync so that no count of this process is lost."""
        self._stopping.set()
        task, self._sync_task = self._sync_task, None
        # A task of another event loop (already closed, in tests) cannot be awaited from this one.
        same_loop = task is None or task.get_loop() is asyncio.get_running_loop()
        if task is not None and same_loop:
            await task
        elif task is not None:
            task.cancel()
        if self.shared is not None:
            if same_loop:
                await self.sync()
            await self.shared.close()


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return "address:" + (client[0] if client else "unknown")


def client_identity(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            credentials = value.split(b" ", 1)[-1].strip()
            if credentials:
                return KEY_PREFIX + hashlib.sha256(credentials).hexdigest()[:32]
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
        identity = client_identity(scope)
        decision = self.limiter.hit(identity, address)
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

        # Created here, so that what the app records in it reaches this middleware even if a
        # layer in between copies the scope.
        state = scope.setdefault("state", {})
        await self.app(scope, receive, send_with_headers)
        if status == 401:
            self.limiter.record_failed_authentication(identity, address)
        elif state.get("api_key_id"):
            self.limiter.record_authenticated(identity)
