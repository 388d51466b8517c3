"""Running one aggregation job: load, score, publish, in steps that can be re-run safely.

The snapshot, its scores, the job's success and the announcement to subscribers are written
in one transaction: a job killed at any point leaves either nothing or a complete snapshot.
A re-run finds the snapshot of its job already published and only reports success.
"""

import asyncio
import logging
import time
import uuid
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from services.core import invalidations
from services.core.aggregation.loader import load_input
from services.core.config import get_settings
from services.core.db import driver_connection, session_scope, uses_postgresql
from services.core.jobs import lifecycle
from services.core.jobs.lifecycle import FINISHED
from services.core.jobs.models import AggregationJob
from services.core.jobs.service import AGGREGATION
from services.core.methodology.service import config_of, get_methodology
from services.core.models_base import table_of
from services.core.scoring.config import AXES
from services.core.scoring.explain import Explanation
from services.core.scoring.pipeline import score_all
from services.core.snapshots.identity import content_hash, row_sort_key
from services.core.snapshots.models import Snapshot, SnapshotExplanation, SnapshotScore
from services.core.snapshots.repository import insert_score_rows
from services.core.webhooks.events import announce

logger = logging.getLogger("observatoire.aggregation")


async def _start(factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID) -> AggregationJob | None:
    """Mark the job running; None when there is nothing (more) to do."""
    async with session_scope(factory) as session:
        job = await session.get(AggregationJob, job_id, with_for_update=True)
        if job is None or job.status in FINISHED:
            return None
        published = await session.scalar(select(col(Snapshot.id)).where(col(Snapshot.job_id) == job_id))
        if published is not None:
            _succeed(job, published)
            return None
        if job.cancel_requested:
            lifecycle.mark_cancelled(job)
            return None
        # K is the first start (kept by mark_running): a re-run after a crash reads exactly what
        # the first run read.
        lifecycle.mark_running(job)
        return job


def _succeed(job: AggregationJob, snapshot_id: uuid.UUID) -> None:
    job.snapshot_id = snapshot_id
    lifecycle.mark_succeeded(job, stage="published")


async def run_aggregation(factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID) -> uuid.UUID | None:
    """Run the job to the end; returns the snapshot id, or None if it was done or cancelled."""
    job = await _start(factory, job_id)
    if job is None:
        return None
    try:
        return await _compute_and_publish(factory, job)
    except lifecycle.Cancelled:
        await lifecycle.record_cancelled(factory, AGGREGATION, job_id)
        return None


async def _compute_and_publish(factory: async_sessionmaker[AsyncSession], job: AggregationJob) -> uuid.UUID:
    assert job.started_at is not None, "_start set it"
    known_at: datetime = job.started_at
    as_of = job.as_of or known_at.date()
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    await lifecycle.checkpoint(factory, AGGREGATION, job.id, "loading", 0.05)
    async with factory() as session:
        methodology = await get_methodology(session, job.methodology_version)
    config = config_of(methodology)
    explain = get_settings().aggregation_explanations
    loaded = await load_input(factory, as_of, known_at, config, methodology.config_hash, explain=explain)
    timings["loading"], clock = time.perf_counter() - clock, time.perf_counter()
    await lifecycle.checkpoint(factory, AGGREGATION, job.id, "scoring", 0.4)
    result = await asyncio.to_thread(score_all, loaded.scoring, config)
    rows = sorted(result.rows, key=row_sort_key)
    timings["scoring"], clock = time.perf_counter() - clock, time.perf_counter()
    await lifecycle.checkpoint(factory, AGGREGATION, job.id, "publishing", 0.8)
    async with session_scope(factory) as session:
        running = await session.get_one(AggregationJob, job.id, with_for_update=True)
        if running.cancel_requested:
            raise lifecycle.Cancelled
        existing = await session.scalar(select(col(Snapshot.id)).where(col(Snapshot.job_id) == job.id))
        if existing is not None:
            _succeed(running, existing)
            return existing
        snapshot = Snapshot(
            as_of=as_of,
            methodology_version=methodology.version,
            methodology_hash=methodology.config_hash,
            content_hash=content_hash(rows),
            input_watermark=loaded.watermark,
            counts=loaded.counts | {"score_rows": len(rows)},
            diagnostics=result.diagnostics,
            job_id=job.id,
        )
        session.add(snapshot)
        await session.flush()
        await insert_score_rows(session, SnapshotScore.snapshot_id, snapshot.id, rows)
        await _insert_explanations(session, snapshot.id, result.explanations)
        _succeed(running, snapshot.id)
        timings["publishing"] = time.perf_counter() - clock
        running.timings = {stage: round(seconds, 3) for stage, seconds in timings.items()}
        await announce(
            session,
            "snapshot.published",
            {
                "snapshot_id": str(snapshot.id),
                "as_of": as_of.isoformat(),
                "methodology_version": methodology.version,
                "content_hash": snapshot.content_hash,
                "job_id": str(job.id),
            },
        )
    logger.info("aggregation job %s published snapshot %s (%d rows)", job.id, snapshot.id, len(rows))
    # Committed: the API processes' `latest` now points at it.
    await invalidations.announce(
        get_settings().redis_url, invalidations.Change.SNAPSHOT_PUBLISHED, snapshot.id
    )
    return snapshot.id


async def _insert_explanations(
    session: AsyncSession, snapshot_id: uuid.UUID, explanations: list[Explanation]
) -> None:
    """One row per subject, in the order of the score rows (the JSON export walks both)."""
    if not explanations:
        return
    records = [
        (snapshot_id, subject_type, subject_id, *documents)
        for subject_type, subject_id, documents in explanations
    ]
    if uses_postgresql(session):
        raw = await driver_connection(session)
        # Tens of megabytes of JSON: lz4 compresses them several times faster than the default
        # pglz, for about the same size (only for this transaction, where the server has it).
        if await raw.fetchval(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        ):
            await raw.execute("SET LOCAL default_toast_compression = 'lz4'")
        await raw.copy_records_to_table(
            "snapshot_explanations",
            records=records,
            columns=("snapshot_id", "subject_type", "subject_id", *AXES),
        )
        return
    await session.execute(
        insert(table_of(SnapshotExplanation)),
        [
            dict(zip(("snapshot_id", "subject_type", "subject_id", *AXES), record, strict=True))
            for record in records
        ],
    )


async def fail_job(factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID, error: str) -> None:
    """The job failed for good (after its retries): record why, and tell subscribers."""
    async with session_scope(factory) as session:
        job = await session.get(AggregationJob, job_id)
        if job is None or job.status in FINISHED:
            return
        lifecycle.mark_failed(job, error)
        await announce(
            session,
            "aggregation_job.failed",
            {
                "job_id": str(job.id),
                "error": job.error,
                "as_of": job.as_of.isoformat() if job.as_of else None,
            },
        )
