"""The outbox relay: hands due tasks to the queue, and requeues jobs whose queue entry was lost."""

import logging
import os
import socket
from datetime import datetime, timedelta

from services.core.clock import utcnow
from services.core.db import session_scope
from services.core.jobs import service as jobs
from services.core.outbox.service import (
    claim_due,
    mark_dispatched,
    record_failure,
    release_claims,
)
from services.core.previews import service as previews
from services.worker.context import Dispatch, TaskContext

logger = logging.getLogger("observatoire.relay")


def relay_claimant() -> str:
    """Who holds a claim on outbox rows: this process (a host may run several; read at each
    call, since a forked child has a pid of its own)."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def relay_outbox(
    context: TaskContext, dispatch: Dispatch, batch_size: int = 100, claimant: str | None = None
) -> int:
    """Dispatch due outbox messages; returns how many went out. Stops at the first failure.

    Every API process and worker relays the same outbox: rows are claimed first (committed),
    then dispatched, then recorded, so that each goes out from one process only."""
    claimant = claimant or relay_claimant()
    sent = 0
    while True:
        async with session_scope(context.session_factory) as session:
            messages = await claim_due(session, claimant, batch_size)
        if not messages:
            return sent
        dispatched: list[int] = []
        failure = None
        for message in messages:
            try:
                await dispatch(message.task, list(message.args), message.job_key)
            except Exception as exc:  # the queue is down: keep the rest for later
                failure = (message.id, f"{type(exc).__name__}: {exc}")
                break
            dispatched.append(message.id)
        # If this transaction fails, the claims lapse and another relay dispatches the rows
        # again: a repeat, which tasks are written to tolerate, rather than a loss.
        async with session_scope(context.session_factory) as session:
            await mark_dispatched(session, dispatched)
            if failure is not None:
                await record_failure(session, *failure)
                await release_claims(session, [m.id for m in messages if m.id not in dispatched], claimant)
        sent += len(dispatched)
        if failure is not None:
            logger.warning("outbox relay: queue unavailable (%s); will retry", failure[1])
            return sent
        if len(messages) < batch_size:
            return sent


async def requeue_stale_jobs(context: TaskContext) -> int:
    """Jobs silent for longer than the job timeout lost their queue entry (a Redis restart, a
    killed worker): put them back. Running a job twice is harmless, losing one is not."""
    async with session_scope(context.session_factory) as session:
        return await jobs.requeue_stale(session, _stale_threshold(context))


async def requeue_stale_previews(context: TaskContext) -> int:
    """The same for previews, whose jobs go through the same queue."""
    async with session_scope(context.session_factory) as session:
        return await previews.requeue_stale(session, _stale_threshold(context))


def _stale_threshold(context: TaskContext) -> datetime:
    return utcnow() - timedelta(seconds=context.settings.job_timeout_seconds + 60)


async def purge_expired_previews(context: TaskContext) -> int:
    """Previews are kept 7 days: older ones and their scores are deleted."""
    async with session_scope(context.session_factory) as session:
        return await previews.purge_expired(session)
