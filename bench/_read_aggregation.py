"""An aggregation kept running beside the read benchmark (a helper of bench/read.py).

As in production, `observatoire worker` (the arq worker, with REDIS_URL) runs the aggregation
jobs on the same machine as the server; `observatoire aggregate` (with REDIS_URL: it records
the job and relays it to the queue, then returns) requests one whenever none is queued or
running, so that an aggregation of the 20,000 alliances runs again and again while the load is
driven. `wait_until_running` blocks until a job is `running` (and, once a job has run to its
end, until one is running that should last the whole window): a measured window starts only
then. The jobs' `started_at` and `finished_at` tell, for each window, how much of it an
aggregation was running.

Each job publishes a snapshot. At the end the jobs are cancelled, the worker stopped, and what
the jobs wrote (their snapshots with their scores and explanations, the jobs, the outbox
messages) deleted, so that the cached database is the same for the next run.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import _common as common

POLL_SECONDS = 0.25
START_TIMEOUT_SECONDS = 120
# A job's progress once it publishes (services/core/aggregation/run.py): its last seconds.
PUBLISHING_PROGRESS = 0.8
CANCEL_TIMEOUT_SECONDS = 90  # a job stops at its next checkpoint: after its loading or scoring


@dataclass
class AggregationLoad:
    url: str
    env: dict[str, str]  # with DATABASE_URL and REDIS_URL
    directory: Path
    worker: common.Server | None = None
    jobs_started: int = 0
    jobs_requested: int = 0
    failures: list[str] = field(default_factory=list)
    _first_outbox_id: int = 0
    _started_at: datetime | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _running_since: float | None = None  # Unix seconds: when the running job started
    _last_duration: float | None = None  # seconds: the last job that ran to its end
    _running_progress: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- Start and stop -------------------------------------------------------------------------

    def start(self) -> None:
        self._started_at = datetime.now(UTC)
        self._first_outbox_id = asyncio.run(
            common.fetchval(self.url, "SELECT coalesce(max(id), 0) + 1 FROM outbox")
        )
        # Not an HTTP server: start_server only runs it with its output in a file.
        self.worker = common.start_server(
            "worker", [*common.observatoire_command(), "worker"], self.env, 0, self.directory
        )
        self._thread = threading.Thread(target=self._keep_running, name="aggregations", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Cancel the jobs, stop the worker, delete what the jobs wrote."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._started_at is None:
            return
        asyncio.run(self._cancel_jobs())
        if self.worker is not None:
            common.stop_server(self.worker)
        asyncio.run(self._delete_what_the_jobs_wrote())

    async def _cancel_jobs(self) -> None:
        """Ask the jobs to stop and wait until they have: a worker stopped in the middle of a
        job would leave it in the queue, for the next run's worker."""
        async with common.connected(self.url) as connection:
            await connection.execute(
                "UPDATE aggregation_jobs SET cancel_requested = true "
                "WHERE created_at >= $1 AND status IN ('queued', 'running')",
                self._started_at,
            )
            deadline = time.monotonic() + CANCEL_TIMEOUT_SECONDS
            while time.monotonic() < deadline:
                active = await connection.fetchval(
                    "SELECT count(*) FROM aggregation_jobs "
                    "WHERE created_at >= $1 AND status IN ('queued', 'running')",
                    self._started_at,
                )
                if not active or self.worker is None or self.worker.process.poll() is not None:
                    return
                await asyncio.sleep(POLL_SECONDS)
            common.log(f"an aggregation job still runs {CANCEL_TIMEOUT_SECONDS} s after its cancellation")

    async def _delete_what_the_jobs_wrote(self) -> None:
        async with common.connected(self.url) as connection, connection.transaction():
            jobs = await connection.fetch(
                "SELECT id, snapshot_id FROM aggregation_jobs WHERE created_at >= $1", self._started_at
            )
            snapshots = [job["snapshot_id"] for job in jobs if job["snapshot_id"] is not None]
            snapshots += [
                row["id"]
                for row in await connection.fetch(
                    "SELECT id FROM snapshots WHERE job_id = any($1::uuid[])", [job["id"] for job in jobs]
                )
            ]
            for table in ("snapshot_explanations", "snapshot_scores", "previews"):
                await connection.execute(
                    f"DELETE FROM {table} WHERE snapshot_id = any($1::uuid[])", snapshots
                )
            await connection.execute("DELETE FROM snapshots WHERE id = any($1::uuid[])", snapshots)
            await connection.execute(
                "DELETE FROM aggregation_jobs WHERE id = any($1::uuid[])", [job["id"] for job in jobs]
            )
            await connection.execute("DELETE FROM outbox WHERE id >= $1", self._first_outbox_id)
        common.log(
            f"deleted the {len(jobs)} aggregation jobs of the run and their {len(set(snapshots))} snapshots"
        )

    # --- Keeping an aggregation running ---------------------------------------------------------

    def _keep_running(self) -> None:
        asyncio.run(self._watch())

    async def _watch(self) -> None:
        async with common.connected(self.url) as connection:
            while not self._stop.is_set():
                try:
                    await self._poll(connection)
                except Exception as exc:  # reported at the end; the run goes on
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(POLL_SECONDS)

    async def _poll(self, connection) -> None:
        jobs = await connection.fetch(
            "SELECT id, status, progress, started_at, finished_at, error FROM aggregation_jobs "
            "WHERE created_at >= $1 ORDER BY created_at",
            self._started_at,
        )
        with self._lock:
            self.jobs_started = sum(job["started_at"] is not None for job in jobs)
            running = [job for job in jobs if job["status"] == "running"]
            self._running_since = running[-1]["started_at"].timestamp() if running else None
            self._running_progress = running[-1]["progress"] if running else 0.0
            finished = [job for job in jobs if job["status"] == "succeeded"]
            if finished:
                last = finished[-1]
                self._last_duration = (last["finished_at"] - last["started_at"]).total_seconds()
            for job in jobs:
                if job["status"] == "failed" and job["error"] and job["error"] not in self.failures:
                    self.failures.append(job["error"])
        if not any(job["status"] in ("queued", "running") for job in jobs) and not self._stop.is_set():
            # Returns once the job is recorded and relayed to the queue (no --wait).
            await asyncio.to_thread(common.run_cli, ["aggregate"], self.env, 120)
            self.jobs_requested += 1

    def wait_until_running(self, seconds: float) -> None:
        """Blocks until a job is running, and, once a job has run to its end, one that should
        still run for `seconds` (if it takes as long as the last one; when jobs are shorter than
        that, one that has just started): a window then falls within a single job rather than
        across the gap between two."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS + (self._last_duration or 0)
        while time.monotonic() < deadline:
            if self.worker is not None and self.worker.process.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{common.server_tail(self.worker)}")
            with self._lock:
                since, duration = self._running_since, self._last_duration
                progress = self._running_progress
            # Before any job has ended, its length is unknown: not one that is publishing already.
            if since is not None and duration is None and progress < PUBLISHING_PROGRESS:
                return
            # A job shorter than the window cannot cover it: then one that has just started.
            if (
                since is not None
                and duration is not None
                and since + duration - time.time() >= min(seconds, 0.8 * duration)
            ):
                return
            time.sleep(POLL_SECONDS / 2)
        raise RuntimeError(
            f"no aggregation job running after {START_TIMEOUT_SECONDS} s "
            f"({self.failures[-1] if self.failures else 'no error recorded'})"
        )

    def running_share(self, window: tuple[float, float]) -> float:
        """The share of the window [start, end] (Unix seconds) during which a job was running,
        from the jobs' own start and end times."""
        start, end = window
        rows = asyncio.run(self._job_times())
        now = time.time()
        intervals = sorted(
            (
                max(row["started_at"].timestamp(), start),
                min(row["finished_at"].timestamp() if row["finished_at"] else now, end),
            )
            for row in rows
        )
        covered, reached = 0.0, start
        for begin, finish in intervals:
            begin = max(begin, reached)
            if finish > begin:
                covered += finish - begin
                reached = finish
        return covered / (end - start) if end > start else 0.0

    async def _job_times(self) -> list:
        async with common.connected(self.url) as connection:
            return await connection.fetch(
                "SELECT started_at, finished_at FROM aggregation_jobs "
                "WHERE created_at >= $1 AND started_at IS NOT NULL",
                self._started_at,
            )
