"""Per-key rate limiting: 429 with Retry-After past the limit, shared through Redis, kept in
memory without it, and one key's excess never touches another key."""

import ipaddress
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
import time_machine

from services.api.main import create_app
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
async def test_replicas_sharing_redis_share_the_count(database_url, reader):
    async with (
        limited_client(database_url, limit=3, redis_url=REDIS_URL) as replica_a,
        limited_client(database_url, limit=3, redis_url=REDIS_URL) as replica_b,
    ):
        statuses = [
            (await replica_a.get("/v1/territories", headers=reader)).status_code,
            (await replica_b.get("/v1/territories", headers=reader)).status_code,
            (await replica_a.get("/v1/territories", headers=reader)).status_code,
            (await replica_b.get("/v1/territories", headers=reader)).status_code,
        ]
    # Each replica saw only two requests: the fourth is refused because the count is shared.
    assert statuses == [200, 200, 200, 429]


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
    # The address is refused until the window ends, even with a valid key.
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
