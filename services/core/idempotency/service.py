"""Idempotency keys: a retried POST gets the first response instead of acting twice."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from services.core.clock import utcnow
from services.core.db import session_scope
from services.core.idempotency.models import IdempotencyRecord

# Kept at least this long; older records are purged when new ones are written, through the
# index on created_at, so that the purge costs what it deletes, not the size of the table.
RETENTION = timedelta(hours=48)
# A request still "in progress" after this long died with its process: let a retry take over.
ABANDONED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Claim:
    """What to do with a request: run it (`record_id`), replay a response, or refuse it."""

    record_id: object | None = None
    replay: IdempotencyRecord | None = None
    conflict: str | None = None  # "in_progress" or "mismatch"


def request_fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def claim(factory: async_sessionmaker[AsyncSession], owner: str, key: str, fingerprint: str) -> Claim:
    now = utcnow()
    for _ in range(2):
        try:
            async with session_scope(factory) as session:
                await session.execute(
                    delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < now - RETENTION)
                )
                record = IdempotencyRecord(owner=owner, key=key, request_hash=fingerprint)
                session.add(record)
                await session.flush()
                return Claim(record_id=record.id)
        except IntegrityError:
            pass
        async with session_scope(factory) as session:
            existing = await session.scalar(
                select(IdempotencyRecord).where(
                    col(IdempotencyRecord.owner) == owner, col(IdempotencyRecord.key) == key
                )
            )
            if existing is None:
                continue  # purged in between: try again
            if existing.request_hash != fingerprint:
                return Claim(conflict="mismatch")
            if not existing.in_progress:
                return Claim(replay=existing)
            if now - existing.created_at < ABANDONED_AFTER:
                return Claim(conflict="in_progress")
            await session.delete(existing)
    return Claim(conflict="in_progress")


async def complete(
    factory: async_sessionmaker[AsyncSession],
    record_id,
    status_code: int,
    headers: dict[str, str],
    body: bytes,
) -> None:
    async with session_scope(factory) as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record_id)
            .values(
                in_progress=False,
                status_code=status_code,
                response_headers=headers,
                response_body=body,
                completed_at=utcnow(),
            )
        )


async def release(factory: async_sessionmaker[AsyncSession], record_id) -> None:
    """Forget a claim whose request failed on our side, so that a retry can run it."""
    async with session_scope(factory) as session:
        await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
