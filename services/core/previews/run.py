"""Computing one preview: load the snapshot's inputs, score them with the draft configuration,
store the rows, in steps that can be re-run safely.

The rows and the preview's success are written in one transaction, replacing whatever an
interrupted run left: a preview is either complete or has no rows. Nothing here publishes a
snapshot or announces an event.
"""

import asyncio
import logging
import time
import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from services.core.aggregation.loader import load_input
from services.core.clock import utcnow
from services.core.db import session_scope
from services.core.jobs import lifecycle
from services.core.jobs.lifecycle import FINISHED
from services.core.models_base import table_of
from services.core.previews.models import Preview, PreviewScore
from services.core.previews.service import PREVIEW
from services.core.scoring.config import MethodologyConfig
from services.core.scoring.pipeline import score_all
from services.core.snapshots.identity import row_sort_key
from services.core.snapshots.models import SnapshotScore
from services.core.snapshots.repository import insert_score_rows

logger = logging.getLogger("observatoire.previews")


async def _start(factory: async_sessionmaker[AsyncSession], preview_id: uuid.UUID) -> Preview | None:
    """Mark the preview running; None when there is nothing (more) to do."""
    async with session_scope(factory) as session:
        preview = await session.get(Preview, preview_id, with_for_update=True)
        if preview is None or preview.status in FINISHED or preview.expires_at <= utcnow():
            return None
        if preview.cancel_requested:
            lifecycle.mark_cancelled(preview)
            return None
        lifecycle.mark_running(preview)
        return preview


async def run_preview(factory: async_sessionmaker[AsyncSession], preview_id: uuid.UUID) -> bool:
    """Compute the preview to the end; False if it was done, gone or cancelled."""
    preview = await _start(factory, preview_id)
    if preview is None:
        return False
    try:
        await _compute_and_store(factory, preview)
    except lifecycle.Cancelled:
        await lifecycle.record_cancelled(factory, PREVIEW, preview_id)
        return False
    return True


async def _snapshot_alliances(factory, snapshot_id: uuid.UUID) -> frozenset[str]:
    async with factory() as session:
        rows = await session.scalars(
            select(col(SnapshotScore.subject_id))
            .where(
                col(SnapshotScore.snapshot_id) == snapshot_id, col(SnapshotScore.subject_type) == "alliance"
            )
            .distinct()
        )
        return frozenset(rows.all())


async def _compute_and_store(factory, preview: Preview) -> None:
    config = MethodologyConfig.model_validate(preview.config)
    await lifecycle.checkpoint(factory, PREVIEW, preview.id, "loading", 0.05)
    alliances = await _snapshot_alliances(factory, preview.snapshot_id)
    # The configuration's own hash seeds the uncertainty band, as it would a snapshot's: with
    # the snapshot's configuration, the draws, and so every band, are the snapshot's.
    loaded = await load_input(
        factory, preview.as_of, preview.knowledge_cutoff, config, preview.config_hash, alliances
    )
    await lifecycle.checkpoint(factory, PREVIEW, preview.id, "scoring", 0.4)
    started = time.perf_counter()
    result = await asyncio.to_thread(score_all, loaded.scoring, config)
    rows = sorted(result.rows, key=row_sort_key)
    logger.info("preview %s scored in %.3f s", preview.id, time.perf_counter() - started)
    await lifecycle.checkpoint(factory, PREVIEW, preview.id, "storing", 0.8)
    async with session_scope(factory) as session:
        running = await session.get(Preview, preview.id, with_for_update=True)
        if running is None or running.status in FINISHED:
            return
        if running.cancel_requested:
            raise lifecycle.Cancelled
        # A re-run replaces what an interrupted run may have left (it committed nothing, but
        # a run is never assumed to be the first).
        await session.execute(
            delete(table_of(PreviewScore)).where(col(PreviewScore.preview_id) == preview.id)
        )
        await insert_score_rows(session, PreviewScore.preview_id, preview.id, rows)
        running.counts = loaded.counts | {
            "score_rows": len(rows),
            "unscorable_indicators": len(result.diagnostics.get("unscorable_indicators", [])),
            "indicators_without_recent_value": result.diagnostics.get("indicators_without_recent_value", 0),
        }
        running.input_watermark = loaded.watermark
        lifecycle.mark_succeeded(running, stage="stored")
    logger.info("preview %s stored (%d rows)", preview.id, len(rows))


async def fail_preview(factory: async_sessionmaker[AsyncSession], preview_id: uuid.UUID, error: str) -> None:
    """The preview failed for good (after its retries): record why. Nobody is notified."""
    async with session_scope(factory) as session:
        preview = await session.get(Preview, preview_id)
        if preview is None or preview.status in FINISHED:
            return
        lifecycle.mark_failed(preview, error)
