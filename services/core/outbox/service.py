from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.clock import utcnow
from services.core.outbox.models import OutboxMessage


async def enqueue(
    session: AsyncSession, task: str, args: list, job_key: str, available_at: datetime | None = None
) -> OutboxMessage:
    message = OutboxMessage(task=task, args=args, job_key=job_key, available_at=available_at or utcnow())
    session.add(message)
    await session.flush()
    return message


async def due_messages(session: AsyncSession, limit: int = 100) -> list[OutboxMessage]:
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.dispatched_at.is_(None), OutboxMessage.available_at <= utcnow())
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list((await session.scalars(statement)).all())


async def mark_dispatched(session: AsyncSession, message_ids: list[int]) -> None:
    if message_ids:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(message_ids)).values(dispatched_at=utcnow())
        )


async def record_failure(session: AsyncSession, message_id: int, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(attempts=OutboxMessage.attempts + 1, last_error=error[:2000])
    )
