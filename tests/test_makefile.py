"""The Makefile's `run` and `test`, read through `make -n` (nothing is run): the dashboard is
built from the lock file, and `make run` opens the published data and prints the staff link."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def dry_run(target: str) -> str:
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_builds_the_dashboard_when_it_can_and_serves_the_published_data():
    commands = dry_run("run")
    assert "npm ci --no-audit --no-fund" in commands
    assert "npm run build" in commands
    assert "Dashboard skipped" in commands
    assert "observatoire aggregate --if-none-published --wait" in commands
    serve = next(line for line in commands.splitlines() if "observatoire serve" in line)
    assert serve.startswith("OBSERVATOIRE_PUBLIC_READ=true ")
    # The key travels in the fragment, which browsers never send to the server.
    assert "/#key=$(cat var/staff-key)" in commands
    # Built before anything is served.
    assert commands.index("npm run build") < commands.index("observatoire serve")


def test_make_test_builds_the_dashboard_before_the_tests():
    commands = dry_run("test")
    assert "npm ci --no-audit --no-fund" in commands
    assert commands.index("npm run build") < commands.index("-m pytest")
    # Without Node.js the tests cannot drive the dashboard: make stops there.
    assert "exit 1" in commands[: commands.index("npm run build")]
