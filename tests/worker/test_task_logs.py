"""Both runners run tasks through the same wrapper: a job's log lines name it (`queue_job_id`,
task, attempt) in an arq worker as in `serve`'s in-process runner, and the job timeout holds in
both (the arq worker's is tested by arq itself)."""

import asyncio
import json
import time
import uuid

import pytest

from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, session_scope
from services.core.jobs.models import AggregationJob
from services.core.jobs.service import request_job
from services.worker.context import TaskContext
from services.worker.inline import InlineRunner
from tests.databases import fresh_database
from tests.log_capture import captured_json_logs
from tests.worker.processes import Worker


async def _request_job(database_url: str) -> uuid.UUID:
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with session_scope(create_session_factory(engine)) as session:
            job, _ = await request_job(
                session, as_of=None, methodology_version=None, requested_by=None, trigger="cli"
            )
            return job.id
    finally:
        await engine.dispose()


async def _job_record(database_url: str, job_id: uuid.UUID) -> AggregationJob:
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with create_session_factory(engine)(expire_on_commit=False) as session:
            return await session.get(AggregationJob, job_id)
    finally:
        await engine.dispose()


async def _job_status(database_url: str, job_id: uuid.UUID) -> str:
    return (await _job_record(database_url, job_id)).status


async def _run_inline(database_url: str, job_timeout_seconds: int = 1800, job_max_tries: int = 3) -> None:
    settings = Settings(
        database_url=database_url, job_timeout_seconds=job_timeout_seconds, job_max_tries=job_max_tries
    )
    engine = create_engine(settings)
    try:
        runner = InlineRunner(TaskContext(settings, create_session_factory(engine)))
        await runner.drain()
    finally:
        await engine.dispose()


def _published_line(log: str, job_id: uuid.UUID) -> dict:
    """The line that says the job published its snapshot (written deep inside the aggregation)."""
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    (published,) = [line for line in lines if line["event"].startswith(f"aggregation job {job_id} published")]
    return published


def test_in_process_a_jobs_log_lines_carry_its_queue_job_id(tmp_path):
    with fresh_database("sqlite", tmp_path) as database_url:
        job_id = asyncio.run(_request_job(database_url))
        with captured_json_logs() as logs:
            asyncio.run(_run_inline(database_url))
        assert asyncio.run(_job_status(database_url, job_id)) == "succeeded"
    line = _published_line(logs.text, job_id)
    assert (line["queue_job_id"], line["task"], line["attempt"]) == (f"aggregate:{job_id}:0", "aggregate", 1)


def test_in_an_arq_worker_a_jobs_log_lines_carry_its_queue_job_id(tmp_path, redis_server):
    with fresh_database("sqlite", tmp_path) as database_url:
        job_id = asyncio.run(_request_job(database_url))
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_server.url,
            "OBSERVATOIRE_LOG_FORMAT": "json",
            "OBSERVATOIRE_RELAY_INTERVAL_SECONDS": "0.2",
        }
        worker = Worker(env)  # its relay hands the job to arq
        with worker.shown_on_failure():
            try:
                deadline = time.monotonic() + 60
                while asyncio.run(_job_status(database_url, job_id)) != "succeeded":
                    assert time.monotonic() < deadline, "the job did not succeed"
                    time.sleep(0.2)
                time.sleep(0.5)  # the line is written just after the commit
                log = worker.log_tail(10**6)
            finally:
                worker.stop()
    line = _published_line(log, job_id)
    assert (line["queue_job_id"], line["task"], line["attempt"]) == (f"aggregate:{job_id}:0", "aggregate", 1)


@pytest.mark.parametrize("max_tries", [1, 2])
def test_in_process_a_job_past_its_timeout_is_stopped_and_counts_as_a_failed_attempt(
    tmp_path, monkeypatch, max_tries
):
    from services.core.aggregation import run as aggregation_run

    original = aggregation_run.score_all

    def slow(*args):
        time.sleep(3)
        return original(*args)

    monkeypatch.setattr(aggregation_run, "score_all", slow)
    with fresh_database("sqlite", tmp_path) as database_url:
        job_id = asyncio.run(_request_job(database_url))
        asyncio.run(_run_inline(database_url, job_timeout_seconds=1, job_max_tries=max_tries))
        record = asyncio.run(_job_record(database_url, job_id))
    # Cut short after 1 s, before it could publish: one of its tries spent, like any failure, so
    # that a job that always outlasts the timeout ends failed instead of running again forever.
    assert (record.attempts, record.snapshot_id) == (1, None)
    if max_tries == 1:
        assert record.status == "failed"
        assert "TimeoutError" in record.error
    else:
        assert record.status == "queued"
        assert record.error.startswith("attempt 1 failed, retrying in 5 s: TimeoutError")
