"""`observatoire serve --workers 2` without Redis: both processes relay the same outbox, and each
row goes out from one of them only, so a job runs once and a webhook attempt is made once.

The window in which two relays could both take a row (between reading it and recording it
dispatched) is milliseconds wide; the test widens it without touching the code: it holds
the writes (a SQLite write transaction, PostgreSQL `EXCLUSIVE` table locks, which still let
others read) while a row falls due, so that both relays reach it before either can record
anything, then lets go.
"""

import asyncio
import contextlib
import sqlite3
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from services.core.clock import utcnow
from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, session_scope
from services.core.jobs.models import AggregationJob
from services.core.jobs.service import request_job
from services.core.outbox.models import OutboxMessage
from services.core.snapshots.models import Snapshot
from services.core.webhooks.events import delivery_job_key
from services.core.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.databases import fresh_database
from tests.faults.support import driver_url, staff_headers, wait_for_job
from tests.worker.processes import ApiServer, free_port

# Longer than a relay's tick (1 s) with margin: by then both processes have read a due row.
BOTH_RELAYS_TICKED = 3.0


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def headers(database_url):
    return staff_headers(database_url)


class Receiver:
    """A webhook endpoint that refuses every request (500) until told to accept them, and
    counts the requests it refused and those it accepted."""

    def __init__(self) -> None:
        self.accepting = False
        self.refused = 0
        self.accepted = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                accepting = receiver.accepting
                if accepting:
                    receiver.accepted += 1
                else:
                    receiver.refused += 1
                self.send_response(200 if accepting else 500)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.asynccontextmanager
async def writes_held(database_url: str, tables: str = "outbox"):
    """Nobody may write `tables` (the whole database on SQLite) until the block ends; readers
    go on. On PostgreSQL, holding aggregation_jobs too keeps a job that a relay handed over
    from starting (and from reaching the row lock it holds while publishing), so that a second
    start of the same job would show in its attempts."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(database_url).database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    connection = await asyncpg.connect(driver_url(database_url))
    try:
        async with connection.transaction():
            await connection.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
            yield
    finally:
        await connection.close()


def wait_for_both_processes(server: ApiServer, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while server.log_tail(10**6).count("Application startup complete") < 2:
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.1)


async def eventually(read, timeout: float = 60):
    """The first truthy value `read()` returns."""
    deadline = time.monotonic() + timeout
    while not (value := await read()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)
    return value


async def test_two_serve_processes_run_a_job_once_and_make_each_webhook_attempt_once(database_url, headers):
    receiver = Receiver()
    engine = create_engine(Settings(database_url=database_url))
    factory = create_session_factory(engine)
    server = ApiServer(
        {
            "DATABASE_URL": database_url,
            "OBSERVATOIRE_WEBHOOK_ALLOW_PRIVATE": "true",
            "OBSERVATOIRE_LOG_FORMAT": "json",
        },
        extra_args=("--workers", "2"),
    )
    try:
        with server.shown_on_failure():
            wait_for_both_processes(server)
            async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:
                subscribed = await client.post(
                    "/v1/webhooks", json={"url": receiver.url, "events": ["snapshot.published"]}
                )
                assert subscribed.status_code == 201, subscribed.text

                # A job as `observatoire aggregate` requests one, its outbox row due in 2 s: time
                # enough to hold the outbox's writes before either relay can see it.
                due_at = utcnow() + timedelta(seconds=2)
                async with session_scope(factory) as session:
                    job, _ = await request_job(
                        session, as_of=None, methodology_version=None, requested_by=None, trigger="cli"
                    )
                    await session.execute(update(OutboxMessage).values(available_at=due_at))
                async with writes_held(database_url, "outbox, aggregation_jobs"):
                    await asyncio.sleep((due_at - utcnow()).total_seconds() + BOTH_RELAYS_TICKED)

                finished = await wait_for_job(client, str(job.id), {"succeeded", "failed"}, timeout=60)
                assert finished["status"] == "succeeded"
                # A second start would count an attempt (on PostgreSQL: on SQLite, where the row is
                # not locked, both starts would read 0 and write 1).
                assert finished["attempts"] == 1
                async with factory() as session:
                    snapshots = await session.scalar(
                        select(func.count()).select_from(Snapshot).where(Snapshot.job_id == job.id)
                    )
                    assert snapshots == 1
                    [delivery] = (await session.scalars(select(WebhookDelivery))).all()

                # The snapshot's announcement: attempt 1 is refused, attempt 2 waits 5 s in the
                # outbox. Hold the writes while it falls due, as for the job; accept it.
                async def retry_row():
                    async with factory() as session:
                        return await session.scalar(
                            select(OutboxMessage).where(
                                OutboxMessage.job_key == delivery_job_key(delivery.id, 1)
                            )
                        )

                retry = await eventually(retry_row)
                receiver.accepting = True
                async with writes_held(database_url):
                    wait = (retry.available_at - utcnow()).total_seconds()
                    await asyncio.sleep(max(wait, 0) + BOTH_RELAYS_TICKED)

                async def delivered():
                    async with factory() as session:
                        row = await session.get(WebhookDelivery, delivery.id, populate_existing=True)
                        return row if row.status != "pending" else None

                assert (await eventually(delivered)).status == "succeeded"
                await asyncio.sleep(BOTH_RELAYS_TICKED)  # a repeated attempt would have come by now
                assert (receiver.refused, receiver.accepted) == (1, 1)
                async with factory() as session:
                    attempts = await session.scalar(
                        select(func.count())
                        .select_from(WebhookAttempt)
                        .where(WebhookAttempt.delivery_id == delivery.id)
                    )
                assert attempts == 2
                async with factory() as session:
                    jobs = (await session.scalars(select(AggregationJob))).all()
                assert [str(row.id) for row in jobs] == [str(job.id)]
    finally:
        server.stop()
        receiver.close()
        await engine.dispose()
