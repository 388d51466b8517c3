"""The life of a job's record, for every kind of job (aggregation jobs, previews).

queued → running → succeeded, failed or cancelled; a failed attempt is queued again with a
delay until its kind's tries are spent; a run cut short by a shutdown is queued again; staff may
cancel a queued job at once and a running one at its next checkpoint. The record is the truth
about a job: the queue only carries its key. Every status change of a job happens here.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from services.core.clock import utcnow
from services.core.db import session_scope
from services.core.errors import Conflict
from services.core.jobs.keys import queue_job_key, record_id_in, stale_job_key, task_keys_like
from services.core.outbox.models import OutboxMessage
from services.core.outbox.service import enqueue
from services.core.vocabularies import JobStatus

logger = logging.getLogger("observatoire.jobs")

ACTIVE = (JobStatus.queued, JobStatus.running)
FINISHED = (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled)
# Delay before the 2nd, 3rd, ... attempt of a job that raised; the last one repeats.
RETRY_DELAYS_SECONDS = (5, 30, 120, 600)

Result = TypeVar("Result")
Factory = async_sessionmaker[AsyncSession]


class JobRecord(Protocol):
    """What every job's record has (the columns of AggregationJob and Preview)."""

    id: uuid.UUID
    status: str
    progress: float
    stage: str | None
    error: str | None
    attempts: int
    cancel_requested: bool
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None


class Cancelled(Exception):
    """Staff asked to cancel the job: it stops at the checkpoint that raised this."""


@dataclass(frozen=True)
class JobKind:
    task: str  # the task name in the outbox and the queue, and the first part of its keys
    model: Any  # the record's table: AggregationJob, Preview
    noun: str  # how messages name one

    def queue_key(self, record_id: uuid.UUID, attempt: int = 0) -> str:
        return queue_job_key(self.task, record_id, attempt)


# Transitions of a record loaded (and locked, where runs may race) in the caller's transaction.


def mark_running(record: JobRecord) -> None:
    now = utcnow()
    record.status = JobStatus.running
    # The first start stays: an aggregation reads what was known then, whatever its attempt.
    record.started_at = record.started_at or now
    record.heartbeat_at = now
    record.attempts += 1
    record.stage = "starting"


def mark_succeeded(record: JobRecord, stage: str) -> None:
    record.status = JobStatus.succeeded
    record.progress = 1.0
    record.stage = stage
    record.finished_at = utcnow()
    record.error = None


def mark_cancelled(record: JobRecord) -> None:
    record.status = JobStatus.cancelled
    record.finished_at = utcnow()


def mark_failed(record: JobRecord, error: str) -> None:
    record.status = JobStatus.failed
    record.error = error[:4000]
    record.finished_at = utcnow()


def request_cancel(record: JobRecord, noun: str) -> None:
    """A queued job is cancelled at once; a running one stops at its next checkpoint."""
    if record.status in FINISHED:
        raise Conflict(f"The {noun} is already {record.status}.")
    record.cancel_requested = True
    if record.status == JobStatus.queued:
        mark_cancelled(record)


# Steps of a run, each in a transaction of its own.


async def set_progress(
    session: AsyncSession, kind: JobKind, record_id: uuid.UUID, stage: str, progress: float
) -> bool:
    """Record progress; returns False when staff asked to cancel the job (or it is gone)."""
    model = kind.model
    await session.execute(
        update(model)
        .where(model.id == record_id)
        .values(stage=stage, progress=progress, heartbeat_at=utcnow())
    )
    cancel = await session.scalar(select(model.cancel_requested).where(model.id == record_id))
    return cancel is False


async def checkpoint(
    factory: Factory, kind: JobKind, record_id: uuid.UUID, stage: str, progress: float
) -> None:
    """Record progress, or raise Cancelled when staff asked to cancel the job."""
    async with session_scope(factory) as session:
        if not await set_progress(session, kind, record_id, stage, progress):
            raise Cancelled


async def record_cancelled(factory: Factory, kind: JobKind, record_id: uuid.UUID) -> None:
    async with session_scope(factory) as session:
        record = await session.get(kind.model, record_id)
        if record is not None:
            mark_cancelled(record)
    logger.info("%s %s cancelled", kind.noun, record_id)


async def run_attempt(
    factory: Factory,
    kind: JobKind,
    record_id: uuid.UUID,
    work: Callable[[Factory, uuid.UUID], Awaitable[Result]],
    *,
    max_tries: int,
    timeout_seconds: float,
    fail: Callable[[Factory, uuid.UUID, str], Awaitable[None]],
) -> Result | None:
    """One attempt of a job: `work` runs it, for `timeout_seconds` at most; an exception, or
    the timeout, queues a retry or, with the tries spent, `fail` records the failure (None is
    returned); a shutdown gives the job back.

    The timeout is an attempt's failure like any other, counted against `max_tries`: a job that
    always outlasts it ends `failed` rather than being given back and run again forever."""
    try:
        async with asyncio.timeout(timeout_seconds):
            return await work(factory, record_id)
    except asyncio.CancelledError:
        # The process is stopping and its grace period is over. What a job writes, it writes
        # in one transaction, so nothing of it exists yet; the runner queues the task again.
        await asyncio.shield(release_interrupted(factory, kind, record_id))
        raise
    except Exception as exc:
        logger.exception("%s %s failed", kind.noun, record_id)
        error = f"{type(exc).__name__}: {exc}"
        if not await _queue_retry(factory, kind, record_id, error, max_tries):
            await fail(factory, record_id, error)
        return None


async def release_interrupted(factory: Factory, kind: JobKind, record_id: uuid.UUID) -> None:
    """Give back a job that a shutdown interrupted: queued again, as its record should say
    while it waits for the next worker. A job that finished meanwhile stays as it is."""
    try:
        async with session_scope(factory) as session:
            record = await session.get(kind.model, record_id, with_for_update=True)
            if record is None or record.status != JobStatus.running:
                return
            record.status = JobStatus.queued
            record.stage = "interrupted"
            record.progress = 0.0
            record.heartbeat_at = utcnow()
    except Exception:  # the database may be what is going away: the re-run sorts it out
        logger.exception("could not record the interruption of %s %s", kind.noun, record_id)


async def _queue_retry(
    factory: Factory, kind: JobKind, record_id: uuid.UUID, error: str, max_tries: int
) -> bool:
    """Queue the next attempt, through the outbox so that it survives a restart of the worker or
    of Redis; False when the tries are spent (or the record is gone)."""
    async with session_scope(factory) as session:
        record = await session.get(kind.model, record_id)
        if record is None:
            return True
        if record.attempts >= max_tries:
            return False
        delay = RETRY_DELAYS_SECONDS[min(record.attempts - 1, len(RETRY_DELAYS_SECONDS) - 1)]
        record.status = JobStatus.queued
        record.error = f"attempt {record.attempts} failed, retrying in {delay} s: {error}"[:4000]
        await enqueue(
            session,
            kind.task,
            [str(record_id)],
            kind.queue_key(record_id, record.attempts),
            available_at=utcnow() + timedelta(seconds=delay),
        )
        return True


async def requeue_stale(session: AsyncSession, kind: JobKind, older_than: datetime, *conditions: Any) -> int:
    """Queue again the active jobs that nothing has touched since `older_than` (their queue entry
    was lost: a Redis restart, a killed worker), unless a hand-over of theirs is still waiting in
    the outbox; returns how many. Running a job twice is harmless, losing one is not."""
    model = kind.model
    stale = await session.scalars(
        select(model).where(
            model.status.in_(ACTIVE),
            model.created_at < older_than,
            (model.heartbeat_at.is_(None)) | (model.heartbeat_at < older_than),
            *conditions,
        )
    )
    records = stale.all()
    if not records:
        return 0
    # The jobs with a hand-over still waiting in the outbox, in one query for all of them.
    waiting = await session.scalars(
        select(col(OutboxMessage.job_key)).where(
            col(OutboxMessage.job_key).like(task_keys_like(kind.task)),
            col(OutboxMessage.dispatched_at).is_(None),
        )
    )
    handed_over = {record_id_in(key) for key in waiting.all()}
    count = 0
    for record in records:
        if str(record.id) in handed_over:
            continue
        now = utcnow()
        record.heartbeat_at = now
        await enqueue(session, kind.task, [str(record.id)], stale_job_key(kind.task, record.id, now))
        count += 1
    return count
