"""`serve` without REDIS_URL runs jobs itself: the application's lifespan starts the runner."""

import asyncio
import time

from fastapi.testclient import TestClient

from services.api.main import create_app
from services.core.auth.commands import create_key_from_cli
from services.core.config import Settings
from services.core.vocabularies import ApiKeyScope
from tests.databases import fresh_database


def test_a_served_app_without_redis_runs_a_requested_job_on_its_own(tmp_path):
    with fresh_database("sqlite", tmp_path) as url:
        settings = Settings(database_url=url, relay_interval_seconds=0.1)
        _, key = asyncio.run(create_key_from_cli(settings, ApiKeyScope.staff, None, "staff"))
        headers = {"Authorization": f"Bearer {key}"}
        with TestClient(create_app(settings)) as client:
            job = client.post("/v1/aggregation-jobs", json={"as_of": "2024-12-31"}, headers=headers).json()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                job = client.get(f"/v1/aggregation-jobs/{job['id']}", headers=headers).json()
                if job["status"] in ("succeeded", "failed"):
                    break
                time.sleep(0.1)
            snapshot = client.get("/v1/snapshots/latest", headers=headers)
    assert job["status"] == "succeeded"
    assert snapshot.json()["id"] == job["snapshot_id"]
