"""The aggregation schedule in the relay loop: each instant fires exactly once across every
process, in UTC, and an instant missed while the database was down fires once it is back."""

import asyncio
import time

import pytest
import time_machine
from sqlalchemy import select

from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, session_scope
from services.core.jobs.models import AggregationJob
from services.core.outbox.models import ScheduledRun
from services.worker.context import TaskContext
from services.worker.relay_loop import RelayLoop
from tests.clock_helpers import at
from tests.worker.processes import free_port


async def nothing_dispatched(task: str, args: list, job_key: str) -> None:
    """The loops under test only request jobs; running them is another test's business."""


def relay_loop(settings: Settings, factory) -> RelayLoop:
    return RelayLoop(TaskContext(settings, factory), nothing_dispatched)


async def jobs_and_runs(app) -> tuple[list[AggregationJob], list[ScheduledRun]]:
    async with app.state.session_factory() as session:
        jobs = list((await session.scalars(select(AggregationJob))).all())
        runs = list((await session.scalars(select(ScheduledRun).order_by(ScheduledRun.instant))).all())
    return jobs, runs


@pytest.fixture
async def second_factory(app):
    """Another engine on the same database: the connections of another process or replica."""
    engine = create_engine(app.state.settings)
    yield create_session_factory(engine)
    await engine.dispose()


async def test_two_relay_loops_request_one_job_for_one_instant(app, second_factory):
    settings = Settings(database_url=app.state.settings.database_url, aggregation_cron="0 3 * * *")
    with time_machine.travel(at("2026-11-26 02:58"), tick=False) as traveller:
        loops = [relay_loop(settings, app.state.session_factory), relay_loop(settings, second_factory)]
        await asyncio.gather(*(loop.run_once() for loop in loops))
        assert await jobs_and_runs(app) == ([], [])
        traveller.move_to(at("2026-11-26 03:00:01"))
        await asyncio.gather(*(loop.run_once() for loop in loops))
        [job], [run] = await jobs_and_runs(app)
        assert (job.trigger, run.instant, run.job_id) == ("schedule", at("2026-11-26 03:00"), job.id)
        assert run.job_key == "scheduled:2026-11-26T03:00:00Z"
        # The job ran and finished; a replica whose loop comes to 03:00 only now (just started,
        # or slow) must not request it again.
        async with session_scope(app.state.session_factory) as session:
            (await session.get(AggregationJob, job.id)).status = "succeeded"
        late = relay_loop(settings, second_factory)
        late._watching_since = at("2026-11-26 02:59")
        traveller.move_to(at("2026-11-26 03:00:50"))
        await late.run_once()
        await asyncio.gather(*(loop.run_once() for loop in loops))
        assert [row.id for row in (await jobs_and_runs(app))[0]] == [job.id]


async def test_the_latest_instant_missed_while_the_database_was_down_fires_once_it_is_back(app):
    settings = Settings(database_url=app.state.settings.database_url, aggregation_cron="*/5 * * * *")
    # Nothing listens on this port: every statement fails as with a database that is down.
    down = create_engine(Settings(database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/down"))
    try:
        with time_machine.travel(at("2026-11-26 02:58"), tick=False) as traveller:
            loop = RelayLoop(TaskContext(settings, create_session_factory(down)), nothing_dispatched)
            for moment in ("2026-11-26 03:00:10", "2026-11-26 03:05:10", "2026-11-26 03:31"):
                traveller.move_to(at(moment))
                with pytest.raises(OSError):
                    await loop.run_once()
            assert await jobs_and_runs(app) == ([], [])
            # The database is back at 03:32: the latest missed instant fires, not each of them.
            loop.context = TaskContext(settings, app.state.session_factory)
            traveller.move_to(at("2026-11-26 03:32"))
            await loop.run_once()
            traveller.move_to(at("2026-11-26 03:33"))
            await loop.run_once()
            [job], [run] = await jobs_and_runs(app)
            assert (run.instant, run.job_id, job.trigger) == (at("2026-11-26 03:30"), job.id, "schedule")
            # A process (re)started after the outage fires it no more than once either.
            restarted = relay_loop(settings, app.state.session_factory)
            await restarted.run_once()
            assert len((await jobs_and_runs(app))[1]) == 1
            traveller.move_to(at("2026-11-26 03:35:02"))
            await restarted.run_once()
            await loop.run_once()
            runs = (await jobs_and_runs(app))[1]
            assert [row.instant for row in runs] == [at("2026-11-26 03:30"), at("2026-11-26 03:35")]
    finally:
        await down.dispose()


async def test_the_schedule_is_utc_whatever_the_host_time_zone(app, monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: 03:00 there is 13:00 UTC the day before
    time.tzset()
    try:
        settings = Settings(database_url=app.state.settings.database_url, aggregation_cron="0 3 * * *")
        with time_machine.travel(at("2026-11-25 12:58"), tick=False) as traveller:
            loop = relay_loop(settings, app.state.session_factory)
            traveller.move_to(at("2026-11-25 13:00:30"))
            await loop.run_once()
            assert await jobs_and_runs(app) == ([], [])
            traveller.move_to(at("2026-11-26 03:00:30"))
            await loop.run_once()
            [run] = (await jobs_and_runs(app))[1]
            assert run.instant == at("2026-11-26 03:00")
    finally:
        monkeypatch.undo()
        time.tzset()
