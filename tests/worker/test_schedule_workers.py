"""The aggregation schedule with real arq workers (PostgreSQL and Redis, the topology of
several replicas): each worker's relay loop watches it, in UTC whatever the host's time zone,
and one job starts per instant however many workers see it."""

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.core.config import Settings
from services.core.db import create_engine, create_session_factory
from services.core.jobs.models import AggregationJob
from services.core.outbox.models import ScheduledRun
from tests.databases import fresh_database
from tests.worker.processes import Worker

# Far from UTC on both sides: a schedule read in either zone would fire hours away from UTC.
TIME_ZONES = ("Pacific/Kiritimati", "America/Los_Angeles")
WORKERS_READY_WITHIN = 20  # seconds: the instant is chosen that far ahead of the start


@pytest.fixture
def database_url(tmp_path):
    with fresh_database("postgresql", tmp_path) as url:
        yield url


async def test_workers_in_other_time_zones_start_one_job_at_the_utc_instant(database_url, redis_server):
    # One instant a day, this very day in UTC: a worker reading it in its own zone misses it.
    instant = (datetime.now(UTC) + timedelta(seconds=WORKERS_READY_WITHIN + 60)).replace(
        second=0, microsecond=0
    )
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url,
        "OBSERVATOIRE_AGGREGATION_CRON": f"{instant.minute} {instant.hour} * * *",
    }
    workers = [Worker({**env, "TZ": zone}) for zone in TIME_ZONES]
    engine = create_engine(Settings(database_url=database_url))
    factory = create_session_factory(engine)

    async def scheduled() -> tuple[list[ScheduledRun], list[AggregationJob]]:
        async with factory() as session:
            runs = list((await session.scalars(select(ScheduledRun))).all())
            jobs = list((await session.scalars(select(AggregationJob))).all())
        return runs, jobs

    try:
        with workers[0].shown_on_failure(), workers[1].shown_on_failure():
            await asyncio.sleep(max((instant - datetime.now(UTC)).total_seconds() - 2, 0))
            assert await scheduled() == ([], [])  # nothing fired early, in any zone
            deadline = time.monotonic() + 60
            while True:
                runs, jobs = await scheduled()
                if jobs and jobs[0].status == "succeeded":
                    break
                assert time.monotonic() < deadline, (runs, jobs)
                await asyncio.sleep(0.2)
            await asyncio.sleep(3)  # both relay loops have looked at the instant again since
            [run], [job] = await scheduled()
            assert (run.instant, run.job_id) == (instant, job.id)
            assert (job.trigger, job.attempts) == ("schedule", 1)
            assert job.snapshot_id is not None
    finally:
        for worker in workers:
            worker.stop()
        await engine.dispose()
