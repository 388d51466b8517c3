"""A preview goes through the same outbox, relay and queue as an aggregation, and is run by the
real arq worker against real Redis and PostgreSQL."""

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
from services.core.webhooks.models import WebhookDelivery
from tests.databases import fresh_database
from tests.faults.support import seed_scored_alliances, wait_for_job
from tests.worker.processes import Worker


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    with fresh_database("postgresql", tmp_path_factory.mktemp("previews")) as url:
        yield url


@pytest.fixture
async def api(database_url, redis_server):
    """The API with REDIS_URL: it queues and relays, and runs no task itself."""
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


async def _wait_for_preview(client, location: str, timeout: float = 60) -> tuple[dict, list[float]]:
    """The preview once finished, and the progress values seen on the way."""
    deadline, seen = time.monotonic() + timeout, []
    while True:
        preview = (await client.get(location)).json()
        seen.append(preview["progress"])
        if preview["status"] in ("succeeded", "failed", "cancelled"):
            return preview, seen
        assert time.monotonic() < deadline, preview
        await asyncio.sleep(0.05)


async def _rows(client, path: str) -> list[dict]:
    response = await client.get(path, params={"limit": 500})
    assert response.status_code == 200 and response.json()["next_cursor"] is None, response.text
    return sorted(
        response.json()["items"], key=lambda r: (r["subject_type"], r["subject_id"] or "", r["axis"])
    )


async def test_the_worker_computes_a_preview_from_the_queue(api, redis_server, database_url):
    app, client = api
    await seed_scored_alliances(client)
    await client.post(
        "/v1/webhooks", json={"url": "https://93.184.216.34/h", "events": ["snapshot.published"]}
    )
    worker = Worker(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_server.url,
            "OBSERVATOIRE_RELAY_INTERVAL_SECONDS": "0.2",
        }
    )
    with worker.shown_on_failure():
        try:
            job_id = (await client.post("/v1/aggregation-jobs", json={"as_of": "2024-12-31"})).json()["id"]
            job = await wait_for_job(client, job_id, {"succeeded", "failed"}, timeout=60)
            assert job["status"] == "succeeded", job
            config = (await client.get("/v1/methodologies/1")).json()["config"]
            response = await client.post(
                f"/v1/snapshots/{job['snapshot_id']}/previews", json={"config": config}
            )
            assert response.status_code == 202, response.text
            preview, seen = await _wait_for_preview(client, response.headers["location"])
        finally:
            worker.stop()
    assert preview["status"] == "succeeded", preview
    assert preview["attempts"] == 1 and seen[-1] == 1.0 and seen == sorted(seen)
    preview_rows = await _rows(client, f"/v1/previews/{preview['id']}/scores")
    assert preview_rows == await _rows(client, f"/v1/snapshots/{job['snapshot_id']}/scores")
    async with app.state.session_factory() as session:
        [message] = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.task == "preview"))
        ).all()
        deliveries = (await session.scalars(select(WebhookDelivery.event_type))).all()
        snapshots = await session.scalar(select(func.count()).select_from(Snapshot))
    # Handed to arq under its deterministic key; the aggregation alone announced anything.
    assert message.job_key == f"preview:{preview['id']}:0" and message.dispatched_at is not None
    assert deliveries == ["snapshot.published"] and snapshots == 1
