"""What each API process keeps in memory is never older than the README promises, on a real
`observatoire serve --workers 2`: a revoked key is refused by every process within 1 s while
Redis is up and within 10 s when it is not; `latest` names a new snapshot within 1 s of its
publication; a write is seen by the next list on any process.

Each request below opens its own connection, so that the kernel hands them to both processes;
the server's log (one line per request, with the process id) shows that both answered.
"""

import asyncio
import re

import httpx
import pytest

from tests.api.factories import catalyst_payload
from tests.databases import fresh_database
from tests.faults.support import staff_headers, wait_for_job
from tests.worker.processes import ApiServer, Worker

REQUESTS_PER_ROUND = 12
MAX_ROUNDS = 20
WITH_REDIS_WITHIN_SECONDS = 1.0
WITHOUT_REDIS_WITHIN_SECONDS = 10.0
CATALYST = catalyst_payload(name="Catalyseur de la fraîcheur")


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    with fresh_database("postgresql", tmp_path_factory.mktemp("freshness")) as url:
        yield url


@pytest.fixture(scope="module")
def staff(database_url):
    return staff_headers(database_url)


def _serve(database_url: str, redis_url: str | None) -> ApiServer:
    env = {"DATABASE_URL": database_url, "OBSERVATOIRE_RELAY_INTERVAL_SECONDS": "0.2"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    return ApiServer(env, extra_args=("--workers", "2"))


async def _each_on_its_own_connection(server: ApiServer, path: str, headers: dict) -> list[httpx.Response]:
    """Requests of `path`, each on a new connection, until both processes have answered some
    (the kernel gives connections to either; under load it may give many in a row to one)."""
    log_start = len(server.log_tail(100_000_000))
    limits = httpx.Limits(max_keepalive_connections=0)
    responses: list[httpx.Response] = []
    async with httpx.AsyncClient(base_url=server.url, headers=headers, limits=limits, timeout=10) as client:
        for _ in range(MAX_ROUNDS):
            responses += [await client.get(path) for _ in range(REQUESTS_PER_ROUND)]
            await asyncio.sleep(0.1)  # the access line is written once the answer is sent
            if len(_processes_that_answered(server, path, log_start)) == 2:
                return responses
    raise AssertionError(f"one process answered all {len(responses)} requests of {path}")


def _processes_that_answered(server: ApiServer, path: str, log_start: int = 0) -> set[str]:
    pattern = re.compile(rf"path={re.escape(path.split('?')[0])}(?:\s|$)")
    return {
        match.group(1)
        for line in server.log_tail(100_000_000)[log_start:].splitlines()
        if pattern.search(line) and (match := re.search(r"\bpid=(\d+)", line))
    }


async def _create_read_key(client: httpx.AsyncClient) -> tuple[str, dict]:
    created = await client.post("/v1/api-keys", json={"name": "reader", "scope": "read"})
    assert created.status_code == 201, created.text
    return created.json()["id"], {"Authorization": f"Bearer {created.json()['key']}"}


async def _publish(client: httpx.AsyncClient) -> str:
    job = await client.post("/v1/aggregation-jobs", json={"as_of": "2024-12-31"})
    assert job.status_code == 202, job.text
    finished = await wait_for_job(client, job.json()["id"], {"succeeded", "failed"}, timeout=60)
    assert finished["status"] == "succeeded", finished
    return finished["snapshot_id"]


async def _revocation_reaches_every_process(server, client, within: float) -> None:
    key_id, reader = await _create_read_key(client)
    warm = await _each_on_its_own_connection(server, "/v1/vocabularies", reader)
    assert {response.status_code for response in warm} == {200}
    revoked = await client.delete(f"/v1/api-keys/{key_id}")
    assert revoked.status_code == 200
    await asyncio.sleep(within)
    after = await _each_on_its_own_connection(server, "/v1/vocabularies", reader)
    assert {response.status_code for response in after} == {401}


async def _latest_moves_on_every_process(server, client, headers, within: float) -> None:
    first = await _publish(client)
    warm = await _each_on_its_own_connection(server, "/v1/snapshots/latest", headers)
    assert {response.json()["id"] for response in warm} == {first}
    second = await _publish(client)
    await asyncio.sleep(within)
    after = await _each_on_its_own_connection(server, "/v1/snapshots/latest", headers)
    assert {response.json()["id"] for response in after} == {second}
    # The answers kept for the first one are still its own.
    named = await _each_on_its_own_connection(server, f"/v1/snapshots/{first}", headers)
    assert {response.json()["id"] for response in named} == {first}


async def _a_write_is_seen_by_the_next_list_anywhere(server, client, headers) -> None:
    # Seen twice by each process: from then on, each answers it from what it keeps.
    for _ in range(2):
        await _each_on_its_own_connection(server, "/v1/catalysts?limit=500", headers)
    for number in range(3):
        created = await client.post("/v1/catalysts", json={**CATALYST, "name": f"Fraîcheur {number}"})
        assert created.status_code == 201, created.text
        lists = await _each_on_its_own_connection(server, "/v1/catalysts?limit=500", headers)
        for response in lists:
            assert created.json()["id"] in {item["id"] for item in response.json()["items"]}


async def test_with_redis_every_process_sees_revocations_and_publications_within_a_second(
    database_url, staff, redis_server
):
    headers = staff
    server = _serve(database_url, redis_server.url)
    worker = Worker(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_server.url,
            "OBSERVATOIRE_RELAY_INTERVAL_SECONDS": "0.2",
        }
    )
    try:
        with server.shown_on_failure(), worker.shown_on_failure():
            async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:
                await _revocation_reaches_every_process(server, client, WITH_REDIS_WITHIN_SECONDS)
                await _latest_moves_on_every_process(server, client, headers, WITH_REDIS_WITHIN_SECONDS)
                await _a_write_is_seen_by_the_next_list_anywhere(server, client, headers)

                # Redis stops: reads go on, from the database or from what is kept, and a
                # revocation still reaches every process within the bound without Redis.
                redis_server.stop()
                for path in ("/v1/catalysts", "/v1/snapshots/latest", "/v1/snapshots/latest/scores"):
                    answers = await _each_on_its_own_connection(server, path, headers)
                    assert {response.status_code for response in answers} == {200}, path
                await _revocation_reaches_every_process(server, client, WITHOUT_REDIS_WITHIN_SECONDS)
    finally:
        worker.stop()
        server.stop()


async def test_without_redis_every_process_sees_revocations_within_ten_seconds_and_publications_within_one(
    database_url, staff
):
    headers = staff
    server = _serve(database_url, None)
    try:
        with server.shown_on_failure():
            async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:
                await _revocation_reaches_every_process(server, client, WITHOUT_REDIS_WITHIN_SECONDS)
                await _latest_moves_on_every_process(server, client, headers, WITH_REDIS_WITHIN_SECONDS)
                await _a_write_is_seen_by_the_next_list_anywhere(server, client, headers)
    finally:
        server.stop()
