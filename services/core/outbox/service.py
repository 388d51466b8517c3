from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.clock import utcnow
from services.core.db import uses_postgresql
from services.core.outbox.models import OutboxMessage

# How long a relay may take between claiming rows and recording them dispatched. Handing a
# batch to the queue takes milliseconds (a Redis call per row, or an asyncio task in-process);
# past this lease, the claimant is presumed dead and another relay takes the rows.
CLAIM_LEASE_SECONDS = 60


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    task: str
    args: list
    job_key: str


async def enqueue(
    session: AsyncSession, task: str, args: list, job_key: str, available_at: datetime | None = None
) -> OutboxMessage:
    message = OutboxMessage(task=task, args=args, job_key=job_key, available_at=available_at or utcnow())
    session.add(message)
    await session.flush()
    return message


async def claim_due(
    session: AsyncSession, claimant: str, limit: int = 100, lease_seconds: float = CLAIM_LEASE_SECONDS
) -> list[ClaimedMessage]:
    """Claim up to `limit` due rows for `claimant`, oldest first: rows nobody else holds a
    live claim on. Commit the session before dispatching, so that other relays see the claim.

    One UPDATE statement claims: SQLite runs it under its single write lock, so two processes
    never claim the same row; on PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED, so a
    concurrent relay skips them instead of waiting, and the conditions are checked again on
    the locked rows."""
    now = utcnow()
    claimable = (
        col(OutboxMessage.dispatched_at).is_(None),
        col(OutboxMessage.available_at) <= now,
        or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) <= now),
    )
    picked = select(col(OutboxMessage.id)).where(*claimable).order_by(col(OutboxMessage.id)).limit(limit)
    if uses_postgresql(session):
        picked = picked.with_for_update(skip_locked=True)
    statement = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(picked.scalar_subquery()), *claimable)
        .values(claimed_by=claimant[:200], claimed_until=now + timedelta(seconds=lease_seconds))
        .returning(
            col(OutboxMessage.id),
            col(OutboxMessage.task),
            col(OutboxMessage.args),
            col(OutboxMessage.job_key),
        )
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(statement)).all()
    return sorted((ClaimedMessage(*row) for row in rows), key=lambda message: message.id)


async def mark_dispatched(session: AsyncSession, message_ids: list[int]) -> None:
    if message_ids:
        await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(message_ids))
            .values(dispatched_at=utcnow(), claimed_until=None)
            .execution_options(synchronize_session=False)
        )


async def release_claims(session: AsyncSession, message_ids: list[int], claimant: str) -> None:
    """Give back claimed rows that were not dispatched: any relay may take them at once."""
    if message_ids:
        await session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(message_ids),
                col(OutboxMessage.claimed_by) == claimant[:200],
                col(OutboxMessage.dispatched_at).is_(None),
            )
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )


async def record_failure(session: AsyncSession, message_id: int, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(attempts=col(OutboxMessage.attempts) + 1, last_error=error[:2000])
        .execution_options(synchronize_session=False)
    )
