"""Jobs whose queue entry was lost are queued again through the outbox, once, with a stale key."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from services.core.clock import utcnow
from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, session_scope
from services.core.jobs import service as jobs
from services.core.outbox.models import OutboxMessage
from tests.databases import fresh_database


async def _scenario(database_url: str) -> dict:
    engine = create_engine(Settings(database_url=database_url))
    factory = create_session_factory(engine)
    later = utcnow() + timedelta(hours=1)  # every job is "silent since" this instant
    seen = {}
    try:
        async with session_scope(factory) as session:
            job, _ = await jobs.request_job(
                session, as_of=None, methodology_version=None, requested_by=None, trigger="cli"
            )
        async with session_scope(factory) as session:
            seen["not_silent_yet"] = await jobs.requeue_stale(session, utcnow() - timedelta(hours=1))
            seen["hand_over_waiting"] = await jobs.requeue_stale(session, later)
            # The first hand-over went to a Redis that lost it.
            await session.execute(update(OutboxMessage).values(dispatched_at=utcnow()))
        async with session_scope(factory) as session:
            seen["lost"] = await jobs.requeue_stale(session, later)
        async with session_scope(factory) as session:
            seen["again"] = await jobs.requeue_stale(session, later)
            rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
            seen["keys"] = [row.job_key for row in rows]
            seen["requeued"] = (rows[-1].task, rows[-1].args)
        seen["job_id"] = str(job.id)
    finally:
        await engine.dispose()
    return seen


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_job_whose_queue_entry_was_lost_is_queued_again_once(tmp_path, kind):
    with fresh_database(kind, tmp_path) as database_url:
        seen = asyncio.run(_scenario(database_url))
    job_id = seen["job_id"]
    assert (seen["not_silent_yet"], seen["hand_over_waiting"], seen["lost"], seen["again"]) == (0, 0, 1, 0)
    first, stale = seen["keys"]
    assert first == f"aggregate:{job_id}:0"
    assert stale.startswith(f"aggregate:{job_id}:stale:")
    assert seen["requeued"] == ("aggregate", [job_id])
