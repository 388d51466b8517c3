"""Previews: a snapshot's inputs rescored with a draft configuration, to try it before adopting it.

Same T, same K, same alliances as the snapshot: only the method differs. A preview is computed
by a job that goes through the outbox and the queue like an aggregation; it never publishes a
snapshot, never announces anything to subscribers, and is deleted 7 days after it was asked for.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.clock import utcnow
from services.core.errors import Conflict, NotFound
from services.core.jobs import lifecycle
from services.core.jobs.lifecycle import ACTIVE, JobKind
from services.core.models_base import table_of
from services.core.outbox.service import enqueue
from services.core.pagination import INTEGER_CURSOR
from services.core.previews import repository
from services.core.previews.models import Preview, PreviewScore
from services.core.scoring.config import MethodologyConfig
from services.core.snapshots.identity import row_sort_key
from services.core.snapshots.models import Snapshot, SnapshotScore
from services.core.snapshots.schemas import ScoreRead
from services.core.snapshots.service import compared, get_snapshot_id, scores_by_key
from services.core.vocabularies import JobStatus

PREVIEW_TASK = "preview"
PREVIEW = JobKind(task=PREVIEW_TASK, model=Preview, noun="preview")
KEPT_FOR = timedelta(days=7)
NOT_FOUND = "No preview with this id (previews are kept 7 days)."


async def request_preview(
    session: AsyncSession, snapshot_reference: str, config: MethodologyConfig, requested_by: uuid.UUID | None
) -> tuple[Preview, bool]:
    """The preview of this snapshot with this configuration: the one queued or running, or a
    new one, queued in this transaction. True if new."""
    await purge_expired(session)
    snapshot_id = await get_snapshot_id(session, snapshot_reference)
    as_of, watermark = (
        await session.execute(
            select(col(Snapshot.as_of), col(Snapshot.input_watermark)).where(col(Snapshot.id) == snapshot_id)
        )
    ).one()
    config_hash = config.sha256()
    existing = await session.scalar(
        select(Preview)
        .where(
            col(Preview.snapshot_id) == snapshot_id,
            col(Preview.config_hash) == config_hash,
            col(Preview.status).in_(ACTIVE),
        )
        .order_by(col(Preview.created_at))
        .limit(1)
    )
    if existing is not None:
        return existing, False
    now = utcnow()
    preview = Preview(
        snapshot_id=snapshot_id,
        config=config.model_dump(mode="json"),
        config_hash=config_hash,
        as_of=as_of,
        knowledge_cutoff=datetime.fromisoformat(watermark["known_at"]),
        requested_by=requested_by,
        created_at=now,
        expires_at=now + KEPT_FOR,
    )
    session.add(preview)
    await session.flush()
    await enqueue(session, PREVIEW_TASK, [str(preview.id)], PREVIEW.queue_key(preview.id))
    return preview, True


async def get_preview(session: AsyncSession, preview_id: uuid.UUID) -> Preview:
    preview = await session.get(Preview, preview_id)
    if preview is None or preview.expires_at <= utcnow():
        raise NotFound(NOT_FOUND)
    return preview


async def cancel_preview(session: AsyncSession, preview: Preview) -> Preview:
    """A queued preview is cancelled at once; a running one stops at its next checkpoint."""
    lifecycle.request_cancel(preview, "preview")
    await session.flush()
    return preview


def _require_scores(preview: Preview) -> None:
    if preview.status != JobStatus.succeeded:
        raise Conflict(f"The preview is {preview.status}: it has no scores.")


async def list_score_rows(
    session: AsyncSession,
    preview: Preview,
    *,
    subject_type: str | None,
    subject_id: str | None,
    axis: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict], str | None]:
    """A page of the preview's score rows as ScoreRead-shaped dicts, filtered as a snapshot's
    (see list_queries.ListQuery.read_page)."""
    _require_scores(preview)
    filters = {"owner": preview.id, "subject_type": subject_type, "subject_id": subject_id, "axis": axis}
    return await repository.PREVIEW_SCORE_LIST.read_page(
        session, ScoreRead, filters, cursor=cursor, limit=limit
    )


def _moved_first(item: dict) -> tuple:
    difference = item["difference"]
    return (difference is None, -abs(difference) if difference is not None else 0.0, row_sort_key(item))


async def compare(
    session: AsyncSession,
    preview: Preview,
    *,
    subject_type: str | None,
    axis: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict], str | None]:
    """Per subject and axis, the preview's score, the snapshot's and the difference: largest
    absolute differences first, rows without a difference last."""
    _require_scores(preview)
    mine = await scores_by_key(session, PreviewScore.preview_id, preview.id, subject_type, axis)
    theirs = await scores_by_key(session, SnapshotScore.snapshot_id, preview.snapshot_id, subject_type, axis)
    items = [compared(key, mine.get(key), theirs.get(key)) for key in set(mine) | set(theirs)]
    items.sort(key=_moved_first)
    # The cursor is an offset in the sorted rows; one below zero starts at the beginning.
    start = max(INTEGER_CURSOR.decode(cursor), 0) if cursor is not None else 0
    next_cursor = INTEGER_CURSOR.encode(start + limit) if start + limit < len(items) else None
    return items[start : start + limit], next_cursor


async def purge_expired(session: AsyncSession) -> int:
    """Delete the previews past their 7 days, and their scores; returns how many went."""
    previews, scores = table_of(Preview), table_of(PreviewScore)
    expired = select(previews.c.id).where(previews.c.expires_at <= utcnow())
    await session.execute(delete(scores).where(scores.c.preview_id.in_(expired)))
    # A DELETE answers a cursor result, which counts the rows.
    result = cast(
        "CursorResult[Any]", await session.execute(delete(previews).where(previews.c.id.in_(expired)))
    )
    return result.rowcount or 0


async def requeue_stale(session: AsyncSession, older_than: datetime) -> int:
    """Queue again the previews (not yet expired) silent since `older_than`: their queue entry was lost."""
    return await lifecycle.requeue_stale(session, PREVIEW, older_than, Preview.expires_at > utcnow())
