"""A private PostgreSQL cluster for the tests that stop and start the database server.

The shared server on 5432 serves the other tests running in parallel: it is never stopped.
This one lives in a temporary directory, on a free port, and goes away with the test session.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg

from tests.worker.processes import free_port

START_TIMEOUT_SECONDS = 60


def postgres_bin_dir() -> Path:
    """The newest installed server's binaries (Debian puts them under /usr/lib/postgresql)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name))
    if not candidates:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return Path(candidates[-1])


class PostgresCluster:
    def __init__(self) -> None:
        self.bin_dir = postgres_bin_dir()
        self.port = free_port()
        self.base_dir = Path(tempfile.mkdtemp(prefix="observatoire-pg-"))
        self.data_dir = self.base_dir / "data"
        self.log_file = self.base_dir / "postgres.log"
        # The server refuses to run as root: as root, run its tools as the postgres user.
        self._as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_owner:
            shutil.chown(self.base_dir, user="postgres", group="postgres")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *arguments: str, timeout: float = START_TIMEOUT_SECONDS) -> None:
        completed = subprocess.run(
            [*self._as_owner, *arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(arguments)} failed:\n{completed.stdout}\n{self.log_tail()}")

    def init(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"),
            "-D", str(self.data_dir),
            "-A", "trust",
            "-U", "postgres",
            "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base_dir} -c listen_addresses=127.0.0.1"
            # Durability is not what these tests are about: keep the disk out of the timings.
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D", str(self.data_dir),
            "-l", str(self.log_file),
            "-o", options,
            "-w", "-t", str(START_TIMEOUT_SECONDS),
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`fast` closes every session properly; `immediate` kills the server outright, as a
        crash would, leaving the clients' connections dead."""
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D", str(self.data_dir),
            "-m", mode,
            "-w", "-t", str(START_TIMEOUT_SECONDS),
            "stop",
        )  # fmt: skip

    def is_running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    async def create_database(self, name: str) -> str:
        connection = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        return self.url(name)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def destroy(self) -> None:
        try:
            if self.is_running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)


def wait_until_accepting(cluster: PostgresCluster, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (
            subprocess.run(
                [str(cluster.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(cluster.port), "-q"],
                check=False,
            ).returncode
            == 0
        ):
            return
        time.sleep(0.1)
    raise RuntimeError("the private PostgreSQL cluster does not accept connections")
