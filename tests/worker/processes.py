"""Real processes for the fault tests: a private Redis server, `observatoire worker` and
`observatoire serve`, each with test-only faults injected at start-up where needed."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]

# Test-only start-up: `faults` (argv[1], comma-separated) names behaviours injected into this
# process only, to place faults where the tests need them:
#   slow[:S]   the scoring step of an aggregation sleeps S seconds (default 30) first;
#   broken     the scoring step raises, and retries come at once;
#   grace:S    on SIGTERM, a job in flight gets S seconds to finish before it is interrupted.
FAULTS = """
import sys, time
from services.core.aggregation import run as aggregation_run
from services.core.jobs import lifecycle
original = aggregation_run.score_all
grace = None
def slow_by(seconds):
    def slow(*args):
        time.sleep(seconds)
        return original(*args)
    return slow
def broken(*args):
    raise RuntimeError("scoring exploded")
for fault in filter(None, sys.argv[1].split(",")):
    name, _, value = fault.partition(":")
    if name == "slow":
        aggregation_run.score_all = slow_by(float(value or 30))
    elif name == "broken":
        aggregation_run.score_all = broken
        lifecycle.RETRY_DELAYS_SECONDS = (0,)
    elif name == "grace":
        grace = float(value)
    elif name != "none":
        raise SystemExit(f"unknown fault {fault!r}")
"""

WORKER_BOOTSTRAP = (
    FAULTS
    + """
from services.worker.settings import WorkerSettings, run_worker
if grace is not None:
    WorkerSettings.job_completion_wait = grace
run_worker()
"""
)

SERVE_BOOTSTRAP = (
    FAULTS
    + """
from services.worker import inline
if grace is not None:
    inline.SHUTDOWN_GRACE_SECONDS = grace
from services.cli import app
app(["serve", *sys.argv[2:]], prog_name="observatoire")
"""
)

# Variables of the developer's or CI's environment that would point a child process
# elsewhere than the test says.
_INHERITED_OUT = ("DATABASE_URL", "OBSERVATOIRE_DATABASE_URL", "REDIS_URL", "OBSERVATOIRE_REDIS_URL")


def child_environment(env: dict[str, str]) -> dict[str, str]:
    inherited = {name: value for name, value in os.environ.items() if name not in _INHERITED_OUT}
    return {**inherited, **env, "PYTHONPATH": str(ROOT)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class _Process:
    """A child process whose output goes to a temporary file, read back when a test fails
    (a pipe nobody reads would block the child once full)."""

    process: subprocess.Popen

    def _spawn(self, arguments: list[str], env: dict[str, str]) -> None:
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 (open for the child's life; closed in stop())
        self.process = subprocess.Popen(
            arguments,
            cwd=ROOT,
            env=child_environment(env),
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )

    @contextlib.contextmanager
    def shown_on_failure(self):
        """Print the process's output when the block fails: pytest shows it with the failure."""
        try:
            yield self
        except BaseException:
            print(f"--- output of {self.__class__.__name__} (pid {self.process.pid}) ---")
            print(self.log_tail(30000))
            raise

    def log_tail(self, characters: int = 4000) -> str:
        if self.output.closed:
            return ""
        self.output.seek(0)
        return self.output.read().decode(errors="replace")[-characters:]

    def terminate_wait(self, timeout: float) -> int:
        """SIGTERM, as an orchestrator stops a process; returns its exit code."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"still running {timeout} s after SIGTERM:\n{self.log_tail()}") from None

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.output.close()


class Worker(_Process):
    """`observatoire worker`, with `faults` injected (see FAULTS)."""

    def __init__(self, env: dict[str, str], faults: str = "none") -> None:
        self._spawn([sys.executable, "-c", WORKER_BOOTSTRAP, faults], env)


class ApiServer(_Process):
    """`observatoire serve` on a free port; ready when /v1/health answers."""

    def __init__(
        self,
        env: dict[str, str],
        faults: str = "none",
        start_timeout: float = 60,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        # extra_args: more options of `serve`, e.g. ("--workers", "2"). Faults reach the first
        # process only: uvicorn starts its worker processes afresh.
        self.extra_args = extra_args
        for _ in range(3):
            if self._start(env, faults, start_timeout):
                return
        raise RuntimeError("serve found no free port")

    def _start(self, env: dict[str, str], faults: str, start_timeout: float) -> bool:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._spawn(
            [
                *(sys.executable, "-c", SERVE_BOOTSTRAP, faults),
                *("--host", "127.0.0.1", "--port", str(self.port), *self.extra_args),
            ],
            {"OBSERVATOIRE_LOG_FORMAT": "console", **env},
        )
        deadline = time.monotonic() + start_timeout
        while True:
            if self.process.poll() is not None:
                output = self.log_tail()
                self.output.close()
                if "address already in use" in output:
                    return False  # another process took the port meanwhile: try another one
                raise RuntimeError(f"serve exited with {self.process.returncode}:\n{output}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                output = self.log_tail()
                self.stop()
                raise RuntimeError(f"serve did not answer within {start_timeout} s:\n{output}")
            time.sleep(0.1)
