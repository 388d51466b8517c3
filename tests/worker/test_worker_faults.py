"""Failures the job system survives, with the real arq worker, real Redis and PostgreSQL."""

import asyncio
import time

import httpx
import pytest
from sqlalchemy import func, select

from services.api.main import create_app
from services.core.auth.schemas import ApiKeyCreate
from services.core.auth.service import create_api_key
from services.core.config import Settings
from services.core.db import session_scope
from services.core.snapshots.models import Snapshot
from services.core.vocabularies import ApiKeyScope
from tests.databases import fresh_database
from tests.faults.support import (
    PROBLEM_JSON,
    assert_complete,
    clean_run,
    job_record,
    seed_scored_alliances,
    snapshots_of_job,
    staff_headers,
    wait_for_job,
)
from tests.worker.processes import ApiServer, Worker

JOB_TIMEOUT_SECONDS = 20
EXIT_WITHIN_SECONDS = 45
READ_WITHIN_SECONDS = 1.0
READ_PATHS = (
    "/v1/catalysts",
    "/v1/alliances",
    "/v1/territories?limit=20",
    "/v1/vocabularies",
    "/v1/methodologies",
    "/v1/snapshots",
    "/v1/aggregation-jobs",
)


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    with fresh_database("postgresql", tmp_path_factory.mktemp("worker")) as url:
        yield url


@pytest.fixture
def worker_env(database_url, redis_server):
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url,
        "OBSERVATOIRE_JOB_TIMEOUT_SECONDS": str(JOB_TIMEOUT_SECONDS),
        "OBSERVATOIRE_JOB_MAX_TRIES": "2",
        "OBSERVATOIRE_RELAY_INTERVAL_SECONDS": "0.2",
    }


@pytest.fixture
async def api(database_url, redis_server):
    app = create_app(
        Settings(database_url=database_url, redis_url=redis_server.url, relay_interval_seconds=0.2)
    )
    async with session_scope(app.state.session_factory) as session:
        _, secret = await create_api_key(session, ApiKeyCreate(name="staff", scope=ApiKeyScope.staff))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        yield app, client
    await app.state.jobs.stop()
    await app.state.engine.dispose()


@pytest.fixture
def served_api(database_url, redis_server):
    """`observatoire serve` with REDIS_URL: it relays jobs to arq and runs none itself."""
    headers = staff_headers(database_url)
    server = ApiServer(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_server.url,
            "OBSERVATOIRE_RELAY_INTERVAL_SECONDS": "0.2",
        }
    )
    yield server, headers
    server.stop()


async def _snapshots_of(app, job_id: str) -> int:
    async with app.state.session_factory() as session:
        return await session.scalar(
            select(func.count()).select_from(Snapshot).where(Snapshot.job_id == job_id)
        )


async def _reads_answer_at_once(client: httpx.AsyncClient) -> None:
    for path in READ_PATHS:
        started = time.monotonic()
        response = await client.get(path)
        elapsed = time.monotonic() - started
        assert response.status_code == 200, f"{path}: {response.text}"
        assert elapsed < READ_WITHIN_SECONDS, f"{path} took {elapsed:.2f} s"


async def test_with_redis_down_reads_answer_and_a_requested_job_is_kept_until_it_is_back(
    served_api, redis_server, worker_env, database_url
):
    server, headers = served_api
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as client:
        assert (await client.get("/v1/ready")).json()["redis"] == "ok"
        redis_server.stop()
        await _reads_answer_at_once(client)

        started = time.monotonic()
        response = await client.post("/v1/aggregation-jobs", json={"as_of": "2024-06-30"})
        assert time.monotonic() - started < READ_WITHIN_SECONDS
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        assert response.headers["location"] == f"/v1/aggregation-jobs/{job_id}"
        ready = await client.get("/v1/ready")
        assert ready.status_code == 503  # Redis is configured and down: not ready, but nothing lost
        assert ready.headers["content-type"] == PROBLEM_JSON

        await asyncio.sleep(1)  # the relay has tried, and failed, a few times by now
        await _reads_answer_at_once(client)
        assert (await client.get(f"/v1/aggregation-jobs/{job_id}")).json()["status"] == "queued"
        queued = (await client.get("/v1/aggregation-jobs", params={"status": "queued"})).json()["items"]
        assert job_id in [job["id"] for job in queued]
        assert (await job_record(database_url, job_id))["pending_messages"] == 1

        redis_server.start()  # same port, empty: nothing was ever queued in it
        worker = Worker(worker_env)
        try:
            job = await wait_for_job(client, job_id, {"succeeded", "failed"}, timeout=60)
        finally:
            worker.stop()
        assert job["status"] == "succeeded", job
        assert (await client.get("/v1/snapshots/latest")).json()["id"] == job["snapshot_id"]
        assert len(await snapshots_of_job(database_url, job_id)) == 1
        # The API found Redis again by itself.
        deadline = time.monotonic() + 10
        while (ready := await client.get("/v1/ready")).status_code != 200:
            assert time.monotonic() < deadline, ready.text
            await asyncio.sleep(0.2)
        assert ready.json()["redis"] == "ok"


async def test_a_worker_killed_mid_job_leaves_no_partial_snapshot_and_the_job_runs_again(api, worker_env):
    app, client = api
    slow_worker = Worker(worker_env, faults="slow")
    job_id = (await client.post("/v1/aggregation-jobs", json={"as_of": "2024-07-31"})).json()["id"]
    try:
        await wait_for_job(client, job_id, {"running"}, timeout=60, stage="scoring")
    finally:
        slow_worker.kill()
    assert await _snapshots_of(app, job_id) == 0
    worker = Worker(worker_env)
    try:
        job = await wait_for_job(client, job_id, {"succeeded", "failed"}, timeout=JOB_TIMEOUT_SECONDS + 60)
    finally:
        worker.stop()
    assert job["status"] == "succeeded"
    assert job["attempts"] == 2
    assert await _snapshots_of(app, job_id) == 1


async def test_a_worker_stopped_mid_job_finishes_it_before_it_exits(api, worker_env, database_url):
    _, client = api
    await seed_scored_alliances(client)
    # Scoring takes 3 s here, well within the time a worker gives its jobs on SIGTERM.
    worker = Worker(worker_env, faults="slow:3")
    try:
        job_id = (await client.post("/v1/aggregation-jobs", json={"as_of": "2024-09-30"})).json()["id"]
        await wait_for_job(client, job_id, {"running"}, timeout=60, stage="scoring")
        assert await asyncio.to_thread(worker.terminate_wait, EXIT_WITHIN_SECONDS) == 0, worker.log_tail()
    finally:
        worker.stop()
    job = (await client.get(f"/v1/aggregation-jobs/{job_id}")).json()
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 1
    (snapshot,) = await snapshots_of_job(database_url, job_id)
    assert_complete(
        snapshot, await clean_run(database_url, (await job_record(database_url, job_id))["as_of"])
    )


async def test_a_worker_stopped_mid_job_past_its_grace_gives_the_job_to_the_next_worker(
    api, worker_env, database_url
):
    _, client = api
    await seed_scored_alliances(client)
    # Scoring takes 5 s, and the worker gives its jobs 1 s on SIGTERM: this one is cut short.
    worker = Worker(worker_env, faults="slow:5,grace:1")
    try:
        job_id = (await client.post("/v1/aggregation-jobs", json={"as_of": "2024-10-31"})).json()["id"]
        await wait_for_job(client, job_id, {"running"}, timeout=60, stage="scoring")
        assert await asyncio.to_thread(worker.terminate_wait, EXIT_WITHIN_SECONDS) == 0, worker.log_tail()
    finally:
        worker.stop()
    # Nothing half-written, and the record says the job waits for a worker.
    interrupted = (await client.get(f"/v1/aggregation-jobs/{job_id}")).json()
    assert (interrupted["status"], interrupted["stage"]) == ("queued", "interrupted")
    assert await snapshots_of_job(database_url, job_id) == []

    # arq kept the job in Redis: the next worker takes it up at once.
    next_worker = Worker(worker_env)
    try:
        job = await wait_for_job(client, job_id, {"succeeded", "failed"}, timeout=60)
    finally:
        next_worker.stop()
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2
    (snapshot,) = await snapshots_of_job(database_url, job_id)
    assert snapshot["id"] == job["snapshot_id"]
    assert_complete(
        snapshot, await clean_run(database_url, (await job_record(database_url, job_id))["as_of"])
    )


async def test_a_task_that_raises_fails_the_job_with_its_error_after_the_retries(api, worker_env):
    app, client = api
    worker = Worker(worker_env, faults="broken")
    try:
        job_id = (await client.post("/v1/aggregation-jobs", json={"as_of": "2024-08-31"})).json()["id"]
        job = await wait_for_job(client, job_id, {"succeeded", "failed"}, timeout=60)
    finally:
        worker.stop()
    assert job["status"] == "failed"
    assert "scoring exploded" in job["error"]
    assert job["attempts"] == 2
    assert await _snapshots_of(app, job_id) == 0


async def test_a_worker_rides_through_a_redis_outage_and_runs_every_job(
    api, worker_env, redis_server, database_url
):
    _, client = api
    await seed_scored_alliances(client)
    # Scoring takes 4 s: the first job is mid-run when Redis stops.
    worker = Worker(worker_env, faults="slow:4")
    with worker.shown_on_failure():
        try:
            running = (await client.post("/v1/aggregation-jobs", json={"as_of": "2025-01-31"})).json()["id"]
            await wait_for_job(client, running, {"running"}, timeout=60, stage="scoring")
            redis_server.stop()
            queued = [
                (await client.post("/v1/aggregation-jobs", json={"as_of": as_of})).json()["id"]
                for as_of in ("2025-02-28", "2025-03-31")
            ]
            await asyncio.sleep(10)
            assert worker.process.poll() is None, "the worker exited while Redis was down"
            redis_server.start()  # same port, empty
            jobs = [
                await wait_for_job(client, job_id, {"succeeded", "failed"}, timeout=90)
                for job_id in (running, *queued)
            ]
            # The same process ran every job: it never exited.
            assert worker.process.poll() is None
            log = worker.log_tail(10**6)
        finally:
            worker.stop()
    assert [job["status"] for job in jobs] == ["succeeded"] * 3, jobs
    assert [job["attempts"] for job in jobs] == [1, 1, 1]
    for job in jobs:
        (snapshot,) = await snapshots_of_job(database_url, job["id"])
        assert snapshot["id"] == job["snapshot_id"]
    outage_warnings = [line for line in log.splitlines() if "Redis is unavailable" in line]
    assert len(outage_warnings) == 1, log
    assert "Traceback" not in log
