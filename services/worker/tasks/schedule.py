"""The scheduled aggregation: at each instant of OBSERVATOIRE_AGGREGATION_CRON, one job for
today, requested as staff would, by whichever relay loop gets there first."""

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.clock import utcnow
from services.core.db import session_scope, uses_postgresql
from services.core.jobs.service import request_job
from services.core.outbox.models import ScheduledRun
from services.worker.context import TaskContext


def scheduled_job_key(instant: datetime) -> str:
    """`scheduled:2026-11-26T03:00:00Z`: the same for every process that sees this instant."""
    return "scheduled:" + instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def fire_scheduled_aggregation(
    context: TaskContext, instant: datetime, watching_since: datetime
) -> str | None:
    """Request the job of `instant` unless a relay already did; returns its id, or None.

    An instant fires when it is newer than every instant fired before on this database, so
    that after an outage (of the database, or of every process) the latest missed instant
    fires, and never a backlog of them. Where the schedule never fired, the instants before
    `watching_since` (when the caller started watching) were not missed: nothing watched."""
    async with session_scope(context.session_factory) as session:
        newest = await session.scalar(select(func.max(ScheduledRun.instant)))
        if instant <= newest if newest is not None else instant < watching_since:
            return None
        if not await _record_instant(session, instant):
            return None  # another relay loop fired it a moment ago
        job, _ = await request_job(
            session, as_of=None, methodology_version=None, requested_by=None, trigger="schedule"
        )
        await session.execute(
            update(ScheduledRun)
            .where(col(ScheduledRun.job_key) == scheduled_job_key(instant))
            .values(job_id=job.id)
            .execution_options(synchronize_session=False)
        )
        return str(job.id)


async def _record_instant(session: AsyncSession, instant: datetime) -> bool:
    """Insert the instant's row if it is absent; False if it was there. Two relays inserting
    the same instant at once: on PostgreSQL the second waits for the first to commit, then
    inserts nothing; on SQLite writes take turns."""
    insert = postgresql_insert if uses_postgresql(session) else sqlite_insert
    statement = (
        insert(ScheduledRun)
        .values(job_key=scheduled_job_key(instant), instant=instant, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=[col(ScheduledRun.job_key)])
        .returning(col(ScheduledRun.job_key))
    )
    return (await session.execute(statement)).first() is not None
