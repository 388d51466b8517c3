"""What the benchmarks share (a helper, not a benchmark).

The PostgreSQL server they run on and the databases they create there, the `observatoire`
command and the servers it starts, the processes read from /proc, the deadline of a run and
the report it prints. The scripts import it as `_common`: run as `python bench/<script>.py`,
this folder is the first entry of their sys.path.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

ADMIN_URL = os.environ.get(
    "OBSERVATOIRE_BENCH_POSTGRES_URL",
    os.environ.get("OBSERVATOIRE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
)
HOST = "127.0.0.1"


# --- Run ----------------------------------------------------------------------------------------


class DeadlineExceeded(Exception):
    pass


def arm_deadline(seconds: int) -> None:
    """Raise DeadlineExceeded in the main thread once the run has lasted `seconds`."""

    def on_alarm(_signum, _frame):
        raise DeadlineExceeded(f"the benchmark ran past its {seconds} s deadline")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)


def disarm_deadline() -> None:
    signal.alarm(0)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_average(when: str) -> str:
    one, five, _ = os.getloadavg()
    return f"load average {when}: {one:.2f} (1 min), {five:.2f} (5 min)"


def log_machine() -> None:
    """What the figures depend on: the versions, the CPUs and what else keeps them busy."""
    pg_version = asyncio.run(fetchval(ADMIN_URL, "SHOW server_version"))
    log(f"PostgreSQL {pg_version}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    log(f"{load_average('at the start')} (other work on the machine would skew the figures)")


# --- Report -------------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "GOAL MET" if met else "GOAL MISSED"


def print_run_time(began: float) -> None:
    """The last line of a report: how long the run took, and how busy the machine was by then."""
    print(f"Total run time: {time.perf_counter() - began:.1f} s; {load_average('at the end')}")


def print_table(headers: tuple[str, ...], lines: list[tuple[str, ...]]) -> None:
    """A text table, each column as wide as its widest cell."""
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for line in lines:
        print(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))


# --- Database -----------------------------------------------------------------------------------


def database_url(name: str, admin_url: str = ADMIN_URL) -> str:
    """The URL of the database `name` on the server of `admin_url`."""
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        yield connection
    finally:
        await connection.close()


async def execute(url: str, *statements: str) -> None:
    async with connected(url) as connection:
        for statement in statements:
            await connection.execute(statement)


async def fetchval(url: str, query: str, *args):
    async with connected(url) as connection:
        return await connection.fetchval(query, *args)


def create_database(name: str, admin_url: str = ADMIN_URL) -> str:
    """A new empty database; its URL."""
    asyncio.run(execute(admin_url, f'CREATE DATABASE "{name}"'))
    return database_url(name, admin_url)


def drop_database(name: str, admin_url: str = ADMIN_URL) -> None:
    asyncio.run(execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def latest_aggregation_job(url: str) -> asyncpg.Record | None:
    async with connected(url) as connection:
        return await connection.fetchrow(
            "SELECT status, timings, started_at, finished_at, error FROM aggregation_jobs "
            "ORDER BY created_at DESC LIMIT 1"
        )


# --- The observatoire command and its servers ---------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def observatoire_command() -> list[str]:
    script = Path(sys.executable).parent / "observatoire"
    return [str(script)] if script.exists() else [sys.executable, "-m", "services.cli"]


def server_environment(url: str) -> dict[str, str]:
    """This environment on the database `url`, without the queue or database it may name."""
    env = dict(os.environ)
    for name in ("REDIS_URL", "OBSERVATOIRE_REDIS_URL", "OBSERVATOIRE_DATABASE_URL"):
        env.pop(name, None)
    env["DATABASE_URL"] = url
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    result = subprocess.run(
        observatoire_command() + args,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise RuntimeError(f"observatoire {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"


def start_server(name: str, command: list[str], env: dict[str, str], port: int, directory: Path) -> Server:
    """A server process, its output in `directory`/<name>-server.log."""
    log_path = directory / f"{name}-server.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: its workers can be stopped with it
        )
    return Server(name, process, port, log_path)


def wait_until_answering(server: Server, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=5) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"the {server.name} server exited with code {server.process.returncode}")
            with suppress(httpx.TransportError):
                response = client.get(path)
                if response.status_code == 200:
                    return
            time.sleep(0.2)
    raise RuntimeError(f"the {server.name} server did not answer {path} in time")


def interrupt(process: subprocess.Popen, timeout: float) -> None:
    """SIGINT, as Ctrl-C would send, so that the process ends cleanly; killed after `timeout`."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        interrupt(server.process, timeout=20)
    # Workers left behind by a master that was killed: same process group, by its id.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(server.process.pid, signal.SIGKILL)


def server_tail(server: Server, lines: int = 30) -> str:
    with suppress(OSError):
        return "\n".join(server.log_path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def py_spy_executable() -> str:
    """py-spy from this environment, else from the PATH (it is not a dependency of the project)."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is not installed (pip install py-spy, in this environment or on the PATH)")
    return found


class PySpy:
    """`py-spy record` attached to a server during one phase at a time (optional, for profiling)."""

    def __init__(
        self, directory: Path | None, pid: int, *, rate: int, subprocesses: bool = False, gil: bool = False
    ) -> None:
        """`gil`: only the samples that hold the GIL (Python at work), not threads waiting."""
        self.directory, self.pid = directory, pid
        self.options = ["--rate", str(rate), *(["--subprocesses"] if subprocesses else [])]
        self.options += ["--gil"] if gil else []
        self.process: subprocess.Popen | None = None

    def start(self, phase: str) -> None:
        """Writes the collapsed stacks of the phase to `directory`/<phase>.txt."""
        if self.directory is None:
            return
        command = [py_spy_executable(), "record", "--pid", str(self.pid), *self.options]
        self.process = subprocess.Popen(
            [*command, "--format", "raw", "--output", str(self.directory / f"{phase}.txt")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # let it attach before the first request

    def stop(self) -> None:
        if self.process is None:
            return
        interrupt(self.process, timeout=30)  # it writes its file on SIGINT
        self.process = None


# --- Processes, from /proc ----------------------------------------------------------------------


def process_stats() -> dict[int, list[str]]:
    """Every process's /proc/<pid>/stat fields after its name: [1] is the parent pid, [11] and
    [12] the user and system CPU ticks it has used."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        # The name may hold spaces and parentheses: the fields start after the last ")".
        found[int(entry)] = text[text.rindex(")") + 2 :].split()
    return found


def children_by_parent(stats: dict[int, list[str]]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(pid)
    return children


def process_tree(root: int, children: dict[int, list[int]] | None = None) -> list[int]:
    """`root` and every process below it (`children`: read from /proc when not given)."""
    if children is None:
        children = children_by_parent(process_stats())
    found, todo = [], [root]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found
