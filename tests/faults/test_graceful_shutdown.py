"""SIGTERM to `observatoire serve`: the request in flight gets its answer, an in-process job
finishes or is queued again and completes after the next start, and the process exits 0."""

import asyncio
import signal

import asyncpg
import httpx
import pytest

from services.api.main import create_app
from services.core.config import Settings
from tests.databases import fresh_database
from tests.faults.support import (
    assert_complete,
    clean_run,
    driver_url,
    job_record,
    requests_waiting_on_a_lock,
    seed_scored_alliances,
    snapshots_of_job,
    staff_headers,
    wait_for_job,
)
from tests.worker.processes import ApiServer

EXIT_WITHIN_SECONDS = 30
JOB_WITHIN_SECONDS = 60


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    with fresh_database("postgresql", tmp_path_factory.mktemp("shutdown")) as url:
        yield url, staff_headers(url)


@pytest.fixture(scope="module")
async def seeded(database):
    url, headers = database
    app = create_app(Settings(database_url=url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        await seed_scored_alliances(client)
    await app.state.engine.dispose()
    return url, headers


def _env(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "OBSERVATOIRE_RELAY_INTERVAL_SECONDS": "0.2"}


async def _exit_code(server: ApiServer) -> int:
    return await asyncio.to_thread(server.terminate_wait, EXIT_WITHIN_SECONDS)


async def test_a_request_and_a_job_in_flight_at_sigterm_both_finish_and_serve_exits_0(seeded):
    url, headers = seeded
    # Scoring takes 3 s here, well within the grace period jobs get at shutdown.
    server = ApiServer(_env(url), faults="slow:3")
    locker = await asyncpg.connect(driver_url(url))
    try:
        with server.shown_on_failure():
            async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:
                job = (await client.post("/v1/aggregation-jobs", json={"as_of": "2024-06-30"})).json()
                await wait_for_job(client, job["id"], {"running"}, JOB_WITHIN_SECONDS, stage="scoring")
                # A write held inside PostgreSQL: in flight for as long as the test says.
                await locker.execute("BEGIN; LOCK TABLE organisations IN ACCESS EXCLUSIVE MODE")
                request = asyncio.create_task(
                    client.post("/v1/organisations", json={"name": "En vol", "actor_type": "association"})
                )
                await requests_waiting_on_a_lock(url, 1)
                server.process.send_signal(signal.SIGTERM)
                # Shutdown has begun: the server takes no new connection...
                async with httpx.AsyncClient(base_url=server.url, timeout=2) as newcomer:
                    for _ in range(100):
                        try:
                            await newcomer.get("/v1/health")
                        except httpx.TransportError:
                            break
                        await asyncio.sleep(0.1)
                    else:
                        raise AssertionError("still taking new connections 10 s after SIGTERM")
                # ...but it finishes the request it is serving.
                await asyncio.sleep(0.5)
                assert not request.done()
                assert server.process.poll() is None
                await locker.execute("ROLLBACK")
                response = await asyncio.wait_for(request, EXIT_WITHIN_SECONDS)
                assert response.status_code == 201, response.text
            # And the job, before the process exits.
            exit_code = await asyncio.to_thread(server.process.wait, EXIT_WITHIN_SECONDS)
            assert exit_code == 0
            assert await locker.fetchval("SELECT count(*) FROM organisations WHERE name = 'En vol'") == 1
    finally:
        await locker.close()
        server.stop()
    record = await job_record(url, job["id"])
    assert record["status"] == "succeeded"
    assert record["attempts"] == 1
    (snapshot,) = await snapshots_of_job(url, job["id"])
    assert_complete(snapshot, await clean_run(url, record["as_of"]))


async def test_a_job_cut_short_at_sigterm_is_queued_again_and_completes_after_the_next_start(seeded):
    url, headers = seeded
    # Scoring takes 5 s, and the grace period is 1 s: the job is interrupted.
    server = ApiServer(_env(url), faults="slow:5,grace:1")
    try:
        with server.shown_on_failure():
            async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:
                job = (await client.post("/v1/aggregation-jobs", json={"as_of": "2024-05-31"})).json()
                await wait_for_job(client, job["id"], {"running"}, JOB_WITHIN_SECONDS, stage="scoring")
            assert await _exit_code(server) == 0
            # Nothing half-written: no snapshot, and the job waits in the outbox for the next start.
            record = await job_record(url, job["id"])
            assert (record["status"], record["stage"]) == ("queued", "interrupted")
            assert record["pending_messages"] == 1
            assert await snapshots_of_job(url, job["id"]) == []
    finally:
        server.stop()

    restarted = ApiServer(_env(url))
    try:
        with restarted.shown_on_failure():
            async with httpx.AsyncClient(base_url=restarted.url, headers=headers, timeout=30) as client:
                finished = await wait_for_job(client, job["id"], {"succeeded", "failed"}, JOB_WITHIN_SECONDS)
            assert await _exit_code(restarted) == 0
    finally:
        restarted.stop()
    assert finished["status"] == "succeeded", finished
    assert finished["attempts"] == 2
    (snapshot,) = await snapshots_of_job(url, job["id"])
    assert snapshot["id"] == finished["snapshot_id"]
    assert_complete(snapshot, await clean_run(url, record["as_of"]))
