"""Per-key rate limiting: 429 with Retry-After past the limit, shared through Redis, kept in
memory without it, and one key's excess never touches another key."""

import asyncio
import ipaddress
import time
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
import time_machine
from redis.asyncio import Redis

from services.api import rate_limit
from services.api.main import create_app
from services.api.rate_limit import REDIS_KEY_PREFIX, SYNC_INTERVAL_SECONDS, RateLimiter, client_identity
from services.core.config import Settings
from tests.worker.processes import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"
WINDOW = 3600
# Five seconds into an hour: every request of a test falls in the same window.
START = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)


def unique_address() -> str:
    """A documentation address (2001:db8::/32) of its own: counts kept in the shared Redis by
    other tests, or by earlier runs within the hour, cannot reach it."""
    return str(ipaddress.IPv6Address((0x20010DB8 << 96) | (uuid.uuid4().int >> 32)))


def unique_key_identity() -> str:
    return f"key:{uuid.uuid4().hex}"


async def shared_count(identity: str, redis_url: str = REDIS_URL) -> int:
    """The count of `identity` in Redis for the window of START."""
    redis = Redis.from_url(redis_url)
    try:
        count = await redis.get(f"{REDIS_KEY_PREFIX}{identity}:{int(START.timestamp()) // WINDOW}")
    finally:
        await redis.aclose()
    return int(count or 0)


@asynccontextmanager
async def limited_client(
    database_url: str,
    limit: int,
    redis_url: str | None = None,
    failed_limit: int = 100,
    address: str = "127.0.0.1",
    public_read: bool = False,
):
    app = create_app(
        Settings(
            database_url=database_url,
            redis_url=redis_url,
            rate_limit_requests=limit,
            rate_limit_window_seconds=WINDOW,
            rate_limit_failed_authentications=failed_limit,
            public_read=public_read,
        )
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        await app.state.rate_limiter.close()
        await app.state.engine.dispose()


@time_machine.travel(START, tick=False)
async def test_requests_past_the_limit_get_429_with_retry_after_and_rate_limit_headers(database_url, reader):
    async with limited_client(database_url, limit=3) as client:
        allowed = [await client.get("/v1/territories", headers=reader) for _ in range(3)]
        refused = await client.get("/v1/territories", headers=reader)

    assert [response.status_code for response in allowed] == [200, 200, 200]
    assert [response.headers["RateLimit-Remaining"] for response in allowed] == ["2", "1", "0"]
    assert allowed[0].headers["RateLimit-Limit"] == "3"
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    # The window ends at the top of the next hour: 3,595 s after START.
    assert refused.headers["Retry-After"] == "3595"
    assert refused.headers["RateLimit-Reset"] == "3595"
    problem = refused.json()
    assert problem["status"] == 429
    assert problem["type"].endswith("/too-many-requests")
    assert "3 requests" in problem["detail"]


@time_machine.travel(START, tick=False)
async def test_a_throttled_key_leaves_another_key_untouched(database_url, make_key):
    first, second = await make_key("read", name="first"), await make_key("read", name="second")
    async with limited_client(database_url, limit=2) as client:
        for _ in range(2):
            await client.get("/v1/territories", headers=first)
        throttled = await client.get("/v1/territories", headers=first)
        other = [await client.get("/v1/territories", headers=second) for _ in range(2)]

    assert throttled.status_code == 429
    assert [response.status_code for response in other] == [200, 200]
    assert other[-1].headers["RateLimit-Remaining"] == "0"


@time_machine.travel(START, tick=False)
async def test_replicas_sharing_redis_share_the_count_after_a_sync(database_url, reader):
    async with (
        limited_client(database_url, limit=3, redis_url=REDIS_URL) as replica_a,
        limited_client(database_url, limit=3, redis_url=REDIS_URL) as replica_b,
    ):
        limiters = [replica._transport.app.state.rate_limiter for replica in (replica_a, replica_b)]
        # Only the syncs below: a background one in between would change which replica saw what.
        for limiter in limiters:
            limiter.sync_interval_seconds = 3600
        statuses = [
            (await replica_a.get("/v1/territories", headers=reader)).status_code,
            (await replica_b.get("/v1/territories", headers=reader)).status_code,
            (await replica_a.get("/v1/territories", headers=reader)).status_code,
        ]
        # What the background task does every interval, done here at known moments.
        for limiter in limiters:
            await limiter.sync()
        # B synced last: it got the total of both.
        after_one_interval = (await replica_b.get("/v1/territories", headers=reader)).status_code
        for limiter in limiters:
            await limiter.sync()
        # A synced first, before B's count was there: it reads the total again at its next sync.
        after_two_intervals = (await replica_a.get("/v1/territories", headers=reader)).status_code
    assert statuses == [200, 200, 200]
    # Each replica saw at most two requests: the next ones are refused because the count is shared.
    assert (after_one_interval, after_two_intervals) == (429, 429)


@time_machine.travel(START, tick=False)
async def test_without_an_answering_redis_the_limit_is_kept_in_memory(database_url, reader):
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    async with limited_client(database_url, limit=2, redis_url=unreachable) as client:
        statuses = [(await client.get("/v1/territories", headers=reader)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@time_machine.travel(START, tick=False)
async def test_requests_without_a_key_are_counted_by_client_address(database_url):
    async with limited_client(database_url, limit=2) as client:
        statuses = [(await client.get("/v1/territories")).status_code for _ in range(3)]
    # Refused for the missing key first, then for the rate: guessing keys is throttled too.
    assert statuses == [401, 401, 429]


@pytest.mark.parametrize("redis_url", [None, REDIS_URL], ids=["memory", "redis"])
@time_machine.travel(START, tick=False)
async def test_anonymous_reads_of_public_read_are_limited_per_client_address(database_url, reader, redis_url):
    """With public read on, anyone may read without a key: each address has the allowance of
    one key, and answers 200 are not failed authentications."""
    address = unique_address()
    async with limited_client(
        database_url, limit=2, redis_url=redis_url, failed_limit=1, address=address, public_read=True
    ) as client:
        anonymous = [await client.get("/v1/territories") for _ in range(3)]
        with_a_key = await client.get("/v1/territories", headers=reader)
        app = client._transport.app
    transport = httpx.ASGITransport(app=app, client=(unique_address(), 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as elsewhere:
        other_address = await elsewhere.get("/v1/territories")

    assert [response.status_code for response in anonymous] == [200, 200, 429]
    assert [response.headers["RateLimit-Remaining"] for response in anonymous] == ["1", "0", "0"]
    assert anonymous[0].headers["RateLimit-Limit"] == "2"
    assert anonymous[2].headers["Retry-After"] == "3595"
    # A key has its own count, and the address was never refused for failed authentications.
    assert with_a_key.status_code == 200
    assert other_address.status_code == 200


@time_machine.travel(START, tick=False)
async def test_probes_and_metrics_are_never_throttled(database_url):
    async with limited_client(database_url, limit=1) as client:
        statuses = [(await client.get(path)).status_code for path in ["/v1/health"] * 3 + ["/metrics"] * 2]
    assert statuses == [200, 200, 200, 200, 200]


@pytest.mark.parametrize("redis_url", [None, REDIS_URL], ids=["memory", "redis"])
@time_machine.travel(START, tick=False)
async def test_an_address_guessing_keys_is_refused_whatever_key_it_tries_next(
    database_url, reader, redis_url
):
    # Each made-up key has a count of its own: the 401s of the address are what stops it.
    guesses = [{"Authorization": f"Bearer obs_guess{number}"} for number in range(4)]
    async with limited_client(
        database_url, limit=100, redis_url=redis_url, failed_limit=3, address=unique_address()
    ) as client:
        statuses = [(await client.get("/v1/territories", headers=guess)).status_code for guess in guesses]
        with_a_valid_key = await client.get("/v1/territories", headers=reader)

    assert statuses == [401, 401, 401, 429]
    # Refused until the window ends even with a valid key, if that key never authenticated in
    # this process: checking it would tell a guesser that it exists.
    assert with_a_valid_key.status_code == 429
    assert with_a_valid_key.headers["Retry-After"] == "3595"
    assert "without a valid key" in with_a_valid_key.json()["detail"]


@time_machine.travel(START, tick=False)
async def test_failed_authentications_of_one_address_leave_other_addresses_alone(database_url, reader):
    async with limited_client(database_url, limit=100, failed_limit=1) as client:
        refused = await client.get("/v1/territories", headers={"Authorization": "Bearer obs_guess"})
        blocked = await client.get("/v1/territories", headers=reader)
        app = client._transport.app
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as elsewhere:
        other_address = await elsewhere.get("/v1/territories", headers=reader)

    assert (refused.status_code, blocked.status_code, other_address.status_code) == (401, 429, 200)


@pytest.mark.parametrize("redis_url", [None, REDIS_URL], ids=["memory", "redis"])
@time_machine.travel(START, tick=False)
async def test_a_bad_neighbour_guessing_keys_does_not_lock_out_a_valid_key_of_its_address(
    database_url, reader, redis_url
):
    """Clients behind one address (a NAT, a proxy): one of them guessing keys gets the address
    refused for unknown keys, while a key that has already authenticated keeps working."""
    guesses = [{"Authorization": f"Bearer obs_guess{number}"} for number in range(4)]
    async with limited_client(
        database_url, limit=100, redis_url=redis_url, failed_limit=3, address=unique_address()
    ) as client:
        before = await client.get("/v1/territories", headers=reader)
        statuses = [(await client.get("/v1/territories", headers=guess)).status_code for guess in guesses]
        with_the_valid_key = await client.get("/v1/territories", headers=reader)
        with_another_guess = await client.get(
            "/v1/territories", headers={"Authorization": "Bearer obs_guess9"}
        )
        without_a_key = await client.get("/v1/territories")

    assert before.status_code == 200
    assert statuses == [401, 401, 401, 429]
    assert with_the_valid_key.status_code == 200
    # Still subject to its own count: two requests of this key so far.
    assert with_the_valid_key.headers["RateLimit-Remaining"] == "98"
    assert (with_another_guess.status_code, without_a_key.status_code) == (429, 429)
    assert "without a valid key" in with_another_guess.json()["detail"]


@time_machine.travel(START, tick=False)
async def test_a_key_is_remembered_only_once_authenticated_not_for_missing_a_401(database_url):
    """An unknown path answers 404 without checking the key: were that enough to remember
    it, a guesser could have its guesses checked after its address was refused."""
    guess = {"Authorization": "Bearer obs_guess_on_a_404"}
    async with limited_client(database_url, limit=100, failed_limit=1, address=unique_address()) as client:
        not_found = await client.get("/v1/no-such-route", headers=guess)
        failed = await client.get("/v1/territories", headers={"Authorization": "Bearer obs_other_guess"})
        checked_again = await client.get("/v1/territories", headers=guess)

    assert (not_found.status_code, failed.status_code, checked_again.status_code) == (404, 401, 429)


@time_machine.travel(START, tick=False)
async def test_replicas_accept_past_the_shared_limit_at_most_one_interval_each_then_refuse():
    limit, per_interval = 10, 3
    # Synced by hand below, one call per interval: the background task waits an hour.
    replicas = [RateLimiter(limit, WINDOW, REDIS_URL, sync_interval_seconds=3600) for _ in range(2)]
    identity, address = unique_key_identity(), "address:" + unique_address()
    accepted = 0
    try:
        for _ in range(5):
            for replica in replicas:
                accepted += sum(replica.hit(identity, address).allowed for _ in range(per_interval))
            for replica in replicas:
                await replica.sync()
        finally_refused = [replica.hit(identity, address).allowed for replica in replicas]
    finally:
        for replica in replicas:
            await replica.close()

    assert limit <= accepted <= limit + per_interval * len(replicas)
    assert finally_refused == [False, False]
    # Every request counted, the last two added by `close`.
    assert await shared_count(identity) == 5 * per_interval * len(replicas) + 2


@time_machine.travel(START, tick=False)
async def test_requests_cost_no_redis_round_trip_each_and_reach_redis_in_the_background(database_url, reader):
    requests, concurrently = 100, 10
    identity = client_identity({"headers": [(b"authorization", reader["Authorization"].encode())]})
    async with limited_client(database_url, limit=1000, redis_url=REDIS_URL) as client:
        limiter = client._transport.app.state.rate_limiter
        started = time.monotonic()
        statuses: set[int] = set()
        for _ in range(requests // concurrently):
            batch = [client.get("/v1/territories", headers=reader) for _ in range(concurrently)]
            statuses.update(response.status_code for response in await asyncio.gather(*batch))
        elapsed = time.monotonic() - started
        round_trips = limiter.redis_round_trips
        # No sync by hand: the background task brings the count to Redis within an interval or two.
        deadline = time.monotonic() + 5
        while await shared_count(identity) < requests and time.monotonic() < deadline:
            await asyncio.sleep(SYNC_INTERVAL_SECONDS / 5)
        in_redis = await shared_count(identity)

    assert statuses == {200}
    # At most one round trip per interval elapsed, whatever the number of requests.
    assert round_trips <= elapsed / SYNC_INTERVAL_SECONDS + 2
    assert round_trips < requests / 4
    assert in_redis == requests


class RecordingLogger:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def warning(self, event: str, **fields) -> None:
        self.events.append(("warning", event))

    def info(self, event: str, **fields) -> None:
        self.events.append(("info", event))


@time_machine.travel(START, tick=False)
async def test_while_redis_is_down_a_replica_counts_alone_then_shares_again(monkeypatch, redis_server):
    recorded = RecordingLogger()
    monkeypatch.setattr(rate_limit, "logger", recorded)
    limiter = RateLimiter(5, WINDOW, redis_server.url, sync_interval_seconds=3600)
    identity, address = unique_key_identity(), "address:" + unique_address()
    try:
        before = [limiter.hit(identity, address).allowed for _ in range(2)]
        await limiter.sync()
        redis_server.stop()
        during = [limiter.hit(identity, address).allowed for _ in range(4)]
        for _ in range(3):
            await limiter.sync()
        answering_during = limiter.redis_answering
        redis_server.start()
        # The first attempt may still meet the connection the server dropped.
        for _ in range(3):
            await limiter.sync()
            if limiter.redis_answering:
                break
        in_redis = await shared_count(identity, redis_server.url)
    finally:
        await limiter.close()

    assert before == [True, True]
    # Counted on from the shared total of the last sync: the limit of 5 still holds.
    assert during == [True, True, True, False]
    assert answering_during is False
    # The restarted server (no persistence) lost the first two; those counted meanwhile reach it.
    assert in_redis == 4
    # One warning for the outage, not one per failed sync; one line when it is over.
    assert [level for level, _ in recorded.events] == ["warning", "info"]


@time_machine.travel(START, tick=False)
async def test_a_replica_that_stops_adds_its_last_counts_to_redis():
    limiter = RateLimiter(10, WINDOW, REDIS_URL)
    identity = unique_key_identity()
    # No await between the requests and `close`: the background task never got to sync.
    for _ in range(3):
        limiter.hit(identity, "address:" + unique_address())
    await limiter.close()

    assert await shared_count(identity) == 3


async def test_a_remembered_key_answered_401_is_forgotten():
    """A key revoked after it authenticated: its 401 counts as a failure of the address, and
    the key no longer passes that address's refusal."""
    limiter = RateLimiter(100, WINDOW, failed_limit=1)
    key, address = unique_key_identity(), "address:" + unique_address()
    limiter.record_authenticated(key)
    limiter.record_failed_authentication(unique_key_identity(), address)
    while_valid = limiter.hit(key, address)
    limiter.record_failed_authentication(key, address)
    once_revoked = limiter.hit(key, address)
    await limiter.close()

    assert while_valid.allowed is True
    assert (once_revoked.allowed, once_revoked.too_many_failures) == (False, True)


async def test_counts_start_again_with_each_window():
    limiter = RateLimiter(1, WINDOW)
    identity, address = unique_key_identity(), "address:" + unique_address()
    with time_machine.travel(START, tick=False) as traveller:
        first = limiter.hit(identity, address)
        second = limiter.hit(identity, address)
        traveller.shift(WINDOW)
        next_window = limiter.hit(identity, address)
    await limiter.close()

    assert [first.allowed, second.allowed, next_window.allowed] == [True, False, True]
    assert (second.reset_seconds, next_window.reset_seconds) == (3595, 3595)
