"""Real processes for the worker tests: a private Redis server and `observatoire worker`."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Test-only start-up of a worker: `patch` names a behaviour injected into the scoring step
# of this worker process only (slow, or broken), to place faults where the tests need them.
WORKER_BOOTSTRAP = """
import sys, time
from services.core.aggregation import run as aggregation_run
from services.worker.tasks import aggregate as aggregate_task
patch = sys.argv[1]
original = aggregation_run.score_all
def slow(*args):
    time.sleep(30)
    return original(*args)
def broken(*args):
    raise RuntimeError("scoring exploded")
if patch == "slow":
    aggregation_run.score_all = slow
elif patch == "broken":
    aggregation_run.score_all = broken
    aggregate_task.RETRY_DELAYS_SECONDS = (0,)
from services.worker.settings import run_worker
run_worker()
"""


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


class Worker:
    def __init__(self, env: dict[str, str], patch: str = "none") -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER_BOOTSTRAP, patch],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

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
