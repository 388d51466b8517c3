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
from services.core.outbox.models import OutboxMessage
from services.core.snapshots.models import Snapshot
from services.core.vocabularies import ApiKeyScope
from tests.databases import fresh_database
from tests.worker.processes import RedisServer, Worker

JOB_TIMEOUT_SECONDS = 20


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    with fresh_database("postgresql", tmp_path_factory.mktemp("worker")) as url:
        yield url


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


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


async def _wait_for(client, job_id: str, statuses: set[str], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = (await client.get(f"/v1/aggregation-jobs/{job_id}")).json()
        if job["status"] in statuses:
            return job
        await asyncio.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job['status']} / {job['stage']} after {timeout} s")


async def _snapshots_of(app, job_id: str) -> int:
    async with app.state.session_factory() as session:
        return await session.scalar(
            select(func.count()).select_from(Snapshot).where(Snapshot.job_id == job_id)
        )


async def test_a_job_requested_while_redis_is_down_runs_once_it_is_back(api, redis_server, worker_env):
    app, client = api
    redis_server.stop()
    response = await client.post("/v1/aggregation-jobs", json={"as_of": "2024-06-30"})
    assert response.status_code == 202
    job_id = response.json()["id"]
    ready = await client.get("/v1/ready")
    assert ready.status_code == 503  # Redis is configured and down: not ready, but nothing lost
    async with app.state.session_factory() as session:
        pending = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dispatched_at.is_(None))
        )
    assert pending == 1
    assert (await client.get(f"/v1/aggregation-jobs/{job_id}")).json()["status"] == "queued"

    redis_server.start()  # same port, empty: nothing was ever queued in it
    worker = Worker(worker_env)
    try:
        job = await _wait_for(client, job_id, {"succeeded", "failed"}, timeout=60)
    finally:
        worker.stop()
    assert job["status"] == "succeeded"
    assert await _snapshots_of(app, job_id) == 1


async def test_a_worker_killed_mid_job_leaves_no_partial_snapshot_and_the_job_runs_again(api, worker_env):
    app, client = api
    slow_worker = Worker(worker_env, patch="slow")
    job_id = (await client.post("/v1/aggregation-jobs", json={"as_of": "2024-07-31"})).json()["id"]
    try:
        running = await _wait_for(client, job_id, {"running"}, timeout=60)
        deadline = time.monotonic() + 30
        while running["stage"] != "scoring" and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            running = (await client.get(f"/v1/aggregation-jobs/{job_id}")).json()
        assert running["stage"] == "scoring"
    finally:
        slow_worker.kill()
    assert await _snapshots_of(app, job_id) == 0
    worker = Worker(worker_env)
    try:
        job = await _wait_for(client, job_id, {"succeeded", "failed"}, timeout=JOB_TIMEOUT_SECONDS + 60)
    finally:
        worker.stop()
    assert job["status"] == "succeeded"
    assert job["attempts"] == 2
    assert await _snapshots_of(app, job_id) == 1


async def test_a_task_that_raises_fails_the_job_with_its_error_after_the_retries(api, worker_env):
    app, client = api
    worker = Worker(worker_env, patch="broken")
    try:
        job_id = (await client.post("/v1/aggregation-jobs", json={"as_of": "2024-08-31"})).json()["id"]
        job = await _wait_for(client, job_id, {"succeeded", "failed"}, timeout=60)
    finally:
        worker.stop()
    assert job["status"] == "failed"
    assert "scoring exploded" in job["error"]
    assert job["attempts"] == 2
    assert await _snapshots_of(app, job_id) == 0
