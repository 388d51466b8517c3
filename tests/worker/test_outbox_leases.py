"""Outbox claims: a row goes to one relay at a time, and none is lost when a relay dies or its
queue refuses a row (on SQLite and PostgreSQL)."""

import asyncio
from datetime import timedelta

import time_machine
from sqlalchemy import select
from sqlmodel import col

from services.core.clock import utcnow
from services.core.db import session_scope
from services.core.outbox.models import OutboxMessage
from services.core.outbox.service import CLAIM_LEASE_SECONDS, claim_due, enqueue, mark_dispatched
from services.worker.context import TaskContext
from services.worker.tasks.relay import relay_outbox


async def enqueue_messages(app, count: int) -> list[int]:
    async with session_scope(app.state.session_factory) as session:
        return [(await enqueue(session, "aggregate", [str(n)], f"test:{n}")).id for n in range(count)]


async def claim(app, claimant: str, limit: int = 100) -> list[int]:
    async with session_scope(app.state.session_factory) as session:
        return [message.id for message in await claim_due(session, claimant, limit)]


async def dispatched(app, message_ids: list[int]) -> dict[int, bool]:
    """Whether each row is recorded as handed to the queue, read back from the database."""
    async with session_scope(app.state.session_factory) as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(col(OutboxMessage.id).in_(message_ids)))
        ).all()
        return {row.id: row.dispatched_at is not None for row in rows}


async def test_a_claimed_row_is_offered_again_only_once_its_lease_lapses(app):
    [message_id] = await enqueue_messages(app, 1)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        assert await claim(app, "relay-a") == [message_id]
        assert await claim(app, "relay-b") == []
        # relay-a died between its claim and its dispatch: once the lease lapses, another takes it.
        traveller.shift(timedelta(seconds=CLAIM_LEASE_SECONDS - 1))
        assert await claim(app, "relay-b") == []
        traveller.shift(timedelta(seconds=2))
        assert await claim(app, "relay-b") == [message_id]
        async with session_scope(app.state.session_factory) as session:
            await mark_dispatched(session, [message_id])
        traveller.shift(timedelta(seconds=CLAIM_LEASE_SECONDS + 1))
        assert await claim(app, "relay-c") == []


async def test_concurrent_claims_never_share_a_row(app):
    message_ids = await enqueue_messages(app, 60)
    claims = await asyncio.gather(*(claim(app, f"relay-{n}", limit=20) for n in range(4)))
    claimed = [message_id for batch in claims for message_id in batch]
    assert len(claimed) == len(set(claimed))
    # Whatever a claimant passed over (rows it saw claimed meanwhile) is still there to take.
    assert sorted(claimed + await claim(app, "relay-late")) == message_ids


async def test_rows_after_a_refused_dispatch_are_given_back_at_once(app):
    first, refused, after = await enqueue_messages(app, 3)
    handed: list[str] = []

    async def dispatch(task: str, args: list, job_key: str) -> None:
        if job_key == "test:1":
            raise ConnectionError("queue down")
        handed.append(job_key)

    context = TaskContext(app.state.settings, app.state.session_factory)
    assert await relay_outbox(context, dispatch, claimant="relay-a") == 1
    assert handed == ["test:0"]
    # Neither the refused row nor the one after it waits for relay-a's lease to lapse.
    assert await claim(app, "relay-b") == [refused, after]
    # The row handed over before the refusal stays recorded as dispatched: it never goes out twice.
    assert await dispatched(app, [first, refused, after]) == {first: True, refused: False, after: False}
