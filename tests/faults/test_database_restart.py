"""PostgreSQL restarted under a running API: requests fail cleanly (503 problem+json, at
once, never a 500 or a hang), and the same API process serves again once it is back."""

import asyncio
import socket
import time

import asyncpg
import httpx
import pytest

from services.core.config import Settings
from services.core.db import CONNECT_TIMEOUT_SECONDS
from services.core.migrate import migrate
from tests.api.factories import catalyst_payload
from tests.faults.support import (
    PROBLEM_JSON,
    driver_url,
    requests_waiting_on_a_lock,
    staff_headers,
    wait_for_job,
)
from tests.worker.processes import ApiServer

ANSWER_WITHIN_SECONDS = 5  # every request, during the outage too
RECOVERY_WITHIN_SECONDS = 20
IN_FLIGHT = 4
AS_OF = {"fast": "2024-04-30", "immediate": "2024-09-30"}

CATALYST = catalyst_payload(name="Catalyseur")


@pytest.fixture(scope="module")
def served(postgres_cluster):
    url = asyncio.run(postgres_cluster.create_database("restart"))
    migrate(Settings(database_url=url))
    headers = staff_headers(url)
    # No REDIS_URL: the API also runs jobs, so its relay loop lives through the outage too.
    server = ApiServer({"DATABASE_URL": url, "OBSERVATOIRE_RELAY_INTERVAL_SECONDS": "0.2"})
    try:
        yield server, headers, url
    finally:
        server.stop()


def _assert_clean_failure(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["status"] == 503
    assert problem["type"].startswith("/problems/")


async def _timed(call) -> httpx.Response:
    started = time.monotonic()
    response = await call
    elapsed = time.monotonic() - started
    assert elapsed < ANSWER_WITHIN_SECONDS, f"answered after {elapsed:.1f} s"
    return response


async def _catalyst_lists(client: httpx.AsyncClient) -> list[httpx.Response]:
    return await asyncio.gather(*(client.get("/v1/catalysts", params={"limit": 500}) for _ in range(5)))


async def _ready_again(client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + RECOVERY_WITHIN_SECONDS
    while (ready := await _timed(client.get("/v1/ready"))).status_code != 200:
        _assert_clean_failure(ready)
        assert time.monotonic() < deadline, f"not ready {RECOVERY_WITHIN_SECONDS} s after the restart"
        await asyncio.sleep(0.2)


# `fast` ends every session properly; `immediate` kills the server as a crash would: the
# connections in the API's pool die without a word.
@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_a_database_restart_answers_503_then_the_same_api_serves_again(served, postgres_cluster, mode):
    server, headers, database_url = served
    pid = server.process.pid
    with server.shown_on_failure():
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:
            # Warm: the pool holds connections, which the restart will leave dead.
            before = await _catalyst_lists(client)
            assert {response.status_code for response in before} == {200}
            catalysts_before = len(before[0].json()["items"])

            # Requests in flight when the server goes: held on a lock inside PostgreSQL.
            locker = await asyncpg.connect(driver_url(database_url))
            await locker.execute("BEGIN; LOCK TABLE catalysts IN ACCESS EXCLUSIVE MODE")
            in_flight = [asyncio.create_task(client.get("/v1/catalysts")) for _ in range(IN_FLIGHT - 1)]
            in_flight.append(asyncio.create_task(client.post("/v1/catalysts", json=CATALYST)))
            await requests_waiting_on_a_lock(database_url, IN_FLIGHT)

            stopped_at = time.monotonic()
            await asyncio.to_thread(postgres_cluster.stop, mode)
            try:
                answered_in_flight = await asyncio.wait_for(asyncio.gather(*in_flight), ANSWER_WITHIN_SECONDS)
                for response in answered_in_flight:
                    # A fast shutdown ends the locking session first: a query it released may
                    # still finish before its own session is ended. Either answer is clean.
                    if response.status_code not in (200, 201):
                        _assert_clean_failure(response)
                created_in_flight = sum(response.status_code == 201 for response in answered_in_flight)
                assert time.monotonic() - stopped_at < ANSWER_WITHIN_SECONDS + 5
                locker.terminate()

                # While it is down: reads, writes and readiness say 503; liveness still answers.
                down = [
                    await _timed(client.get("/v1/catalysts")),
                    await _timed(client.get("/v1/territories/FR")),
                    await _timed(client.get("/v1/snapshots/latest")),
                    await _timed(client.post("/v1/catalysts", json=CATALYST)),
                    await _timed(client.post("/v1/aggregation-jobs", json={"as_of": "2024-06-30"})),
                    await _timed(client.get("/v1/ready")),
                ]
                for response in down:
                    _assert_clean_failure(response)
                assert (await _timed(client.get("/v1/health"))).status_code == 200
            finally:
                await asyncio.to_thread(postgres_cluster.start)

            # Back: the same process answers again, without a restart, reads and writes alike.
            await _ready_again(client)
            after = await _catalyst_lists(client)
            assert {response.status_code for response in after} == {200}, [r.text for r in after]
            # Nothing of the writes that failed was kept.
            assert len(after[0].json()["items"]) == catalysts_before + created_in_flight
            created = await _timed(client.post("/v1/catalysts", json=CATALYST))
            assert created.status_code == 201, created.text
            assert (await client.get(f"/v1/catalysts/{created.json()['id']}")).status_code == 200
            # The API's own job runner came through too: a job requested now runs to the end.
            job = await _timed(client.post("/v1/aggregation-jobs", json={"as_of": AS_OF[mode]}))
            assert job.status_code == 202, job.text
            finished = await wait_for_job(client, job.json()["id"], {"succeeded", "failed"}, timeout=60)
            assert finished["status"] == "succeeded", finished
        assert server.process.poll() is None
        assert server.process.pid == pid


async def test_a_database_that_takes_connections_but_never_answers_costs_a_bounded_wait(
    served, postgres_cluster
):
    """After a crash, something takes the connections and never answers (a proxy in front of a
    server that is gone, say): requests get their 503 once the connect timeout is over."""
    server, headers, _ = served
    with server.shown_on_failure():
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:
            assert (await client.get("/v1/catalysts")).status_code == 200
            await asyncio.to_thread(postgres_cluster.stop, "immediate")
            silent = socket.socket()
            try:
                silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                silent.bind(("127.0.0.1", postgres_cluster.port))
                silent.listen(64)  # the kernel completes the handshakes; nobody ever answers
                started = time.monotonic()
                responses = await asyncio.gather(client.get("/v1/catalysts"), client.get("/v1/ready"))
                elapsed = time.monotonic() - started
                for response in responses:
                    _assert_clean_failure(response)
                assert elapsed < CONNECT_TIMEOUT_SECONDS + ANSWER_WITHIN_SECONDS
            finally:
                silent.close()
                await asyncio.to_thread(postgres_cluster.start)
            await _ready_again(client)
            assert (await client.get("/v1/catalysts")).status_code == 200
