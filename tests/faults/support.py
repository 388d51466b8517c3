"""What the fault tests share: keys, data worth scoring, following jobs, reading snapshots."""

import asyncio
import json
import time
import uuid

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from services.core.aggregation.run import run_aggregation
from services.core.auth.commands import create_key_from_cli
from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, session_scope
from services.core.jobs.service import request_job
from services.core.vocabularies import ApiKeyScope

PROBLEM_JSON = "application/problem+json"


def staff_headers(database_url: str) -> dict[str, str]:
    _, secret = asyncio.run(
        create_key_from_cli(Settings(database_url=database_url), ApiKeyScope.staff, None, "staff")
    )
    return {"Authorization": f"Bearer {secret}"}


async def wait_for_job(
    client: httpx.AsyncClient, job_id: str, statuses: set[str], timeout: float, stage: str | None = None
) -> dict:
    """The job once its status is one of `statuses` (and its stage `stage`, if given)."""
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(f"/v1/aggregation-jobs/{job_id}")
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] in statuses and stage in (None, job["stage"]):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} not {statuses} / {stage} after {timeout} s: {job}")
        await asyncio.sleep(0.1)


async def requests_waiting_on_a_lock(database_url: str, expected: int, timeout: float = 20) -> None:
    """Wait until `expected` sessions of this database wait on a lock (requests held there)."""
    connection = await asyncpg.connect(driver_url(database_url))
    try:
        deadline = time.monotonic() + timeout
        while True:
            # Each query outside a transaction sees a fresh view of pg_stat_activity.
            waiting = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if waiting >= expected:
                return
            assert time.monotonic() < deadline, f"{waiting} sessions waiting on a lock, not {expected}"
            await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def job_record(database_url: str, job_id: str) -> dict:
    """The job's row and its outbox messages not yet handed to a queue, straight from the database."""
    connection = await asyncpg.connect(driver_url(database_url))
    try:
        job = await connection.fetchrow("SELECT * FROM aggregation_jobs WHERE id = $1", uuid.UUID(job_id))
        pending = await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL AND args::text LIKE $1",
            f"%{job_id}%",
        )
    finally:
        await connection.close()
    return {**dict(job), "pending_messages": pending}


async def seed_scored_alliances(client: httpx.AsyncClient, alliances: int = 3) -> None:
    """A few alliances with scorable indicators on each axis, so that a snapshot has rows."""
    catalyst = await _created(
        client,
        "/v1/catalysts",
        {"name": "Catalyseur", "structure_type": "association", "territory_code": "FR-94",
         "trades": ["territorial_dialogue"]},
    )  # fmt: skip
    for number in range(alliances):
        alliance = await _created(
            client,
            "/v1/alliances",
            {"name": f"Alliance {number}", "territory_code": "FR-94", "catalyst_ids": [catalyst["id"]],
             "domains": ["employment", "health"], "sdgs": [8], "stage": "prototype",
             "started_on": "2023-01-01"},
        )  # fmt: skip
        for axis in ("performance", "innovation", "trust"):
            indicator = await _created(
                client,
                f"/v1/alliances/{alliance['id']}/indicators",
                {"code": f"{axis[:4].upper()}", "name": f"Taux {axis}", "calculation_method": "Part",
                 "axis": axis, "measure_type": "percentage"},
            )  # fmt: skip
            await _created(
                client,
                f"/v1/indicators/{indicator['id']}/observations",
                {"period": "2024-03", "value": 20 + 10 * number},
            )


async def _created(client: httpx.AsyncClient, path: str, payload: dict) -> dict:
    response = await client.post(path, json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def driver_url(database_url: str) -> str:
    """The asyncpg spelling of a SQLAlchemy PostgreSQL URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def snapshots_of_job(database_url: str, job_id: str) -> list[dict]:
    """Every snapshot of the job, with the score rows it really has in the database."""
    connection = await asyncpg.connect(driver_url(database_url))
    try:
        rows = await connection.fetch(
            """
            SELECT s.id, s.content_hash, s.counts,
                   (SELECT count(*) FROM snapshot_scores r WHERE r.snapshot_id = s.id) AS score_rows
            FROM snapshots s WHERE s.job_id = $1
            """,
            uuid.UUID(job_id),
        )
    finally:
        await connection.close()
    return [
        {
            "id": str(row["id"]),
            "content_hash": row["content_hash"],
            "counts": json.loads(row["counts"]),
            "score_rows": row["score_rows"],
        }
        for row in rows
    ]


def assert_complete(snapshot: dict, reference: dict) -> None:
    """Every row the snapshot announces is there, and it equals a clean run on the same data."""
    assert snapshot["score_rows"] == snapshot["counts"]["score_rows"] > 0
    assert snapshot["score_rows"] == reference["score_rows"]
    assert snapshot["counts"] == reference["counts"]
    assert snapshot["content_hash"] == reference["content_hash"]


async def clean_run(database_url: str, as_of) -> dict:
    """The snapshot of an uninterrupted run on the same data, computed in the test process.
    Call it once no job with the same parameters is active (it would join that job)."""
    engine = create_engine(Settings(database_url=database_url))
    factory = create_session_factory(engine)
    try:
        async with session_scope(factory) as session:
            job, created = await request_job(
                session, as_of=as_of, methodology_version=None, requested_by=None, trigger="cli"
            )
        assert created
        await run_aggregation(factory, job.id)
    finally:
        await engine.dispose()
    (snapshot,) = await snapshots_of_job(database_url, str(job.id))
    return snapshot
