"""The `observatoire` command line, run as users run it: as a separate process."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def observatoire(*args: str, database: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "cli.db"
    first = observatoire("migrate", database=path)
    assert first.returncode == 0, first.stderr
    assert "115 reference territories added" in first.stdout
    return path


def test_migrate_twice_adds_nothing(database):
    again = observatoire("migrate", database=database)
    assert again.returncode == 0, again.stderr
    assert "0 reference territories added" in again.stdout


def test_keys_create_prints_only_the_key_on_its_last_line(database):
    result = observatoire("keys", "create", "--scope", "staff", "--name", "ops", database=database)
    assert result.returncode == 0, result.stderr
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.startswith("obs_") and " " not in last_line
    assert len(last_line) > 30


def test_a_write_key_needs_a_catalyst(database):
    result = observatoire("keys", "create", "--scope", "write", database=database)
    assert result.returncode == 2
    assert "catalyst" in result.stderr
    assert "obs_" not in result.stdout


def test_a_key_from_the_command_line_opens_the_api(database):
    from fastapi.testclient import TestClient

    from services.api.main import create_app
    from services.core.config import Settings

    key = observatoire("keys", "create", "--scope", "read", database=database).stdout.strip().splitlines()[-1]
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{database}"))
    with TestClient(app) as client:
        allowed = client.get("/v1/territories/FR", headers={"Authorization": f"Bearer {key}"})
        refused = client.get("/v1/territories/FR", headers={"Authorization": "Bearer obs_nope"})
    assert allowed.status_code == 200 and allowed.json()["level"] == "country"
    assert refused.status_code == 401


def test_openapi_command_writes_the_served_document(database, tmp_path):
    target = tmp_path / "openapi.json"
    result = observatoire("openapi", "--output", str(target), database=database)
    assert result.returncode == 0, result.stderr
    from services.api.main import create_app

    assert json.loads(target.read_text()) == create_app().openapi()


def test_aggregate_waits_for_the_job_and_prints_the_snapshot(database):
    seeded = observatoire("seed-demo", database=database)
    assert seeded.returncode == 0, seeded.stderr
    result = observatoire("aggregate", "--as-of", "2024-12-31", "--wait", database=database)
    assert result.returncode == 0, result.stderr
    snapshot_id = result.stdout.strip().splitlines()[-1]
    assert uuid.UUID(snapshot_id)
    assert "Succeeded" in result.stderr

    from fastapi.testclient import TestClient

    from services.api.main import create_app
    from services.core.config import Settings

    key = observatoire("keys", "create", "--scope", "read", database=database).stdout.strip().splitlines()[-1]
    with TestClient(create_app(Settings(database_url=f"sqlite+aiosqlite:///{database}"))) as client:
        snapshot = client.get("/v1/snapshots/latest", headers={"Authorization": f"Bearer {key}"}).json()
    assert snapshot["id"] == snapshot_id
    assert snapshot["counts"]["alliances"] >= 6


def test_aggregate_if_none_published_runs_only_the_first_time(tmp_path):
    """What `make run` does for its demo: one aggregation on the first run, none after."""
    database = tmp_path / "first-run.db"
    assert observatoire("migrate", database=database).returncode == 0
    first = observatoire("aggregate", "--if-none-published", "--wait", database=database)
    assert first.returncode == 0, first.stderr
    assert uuid.UUID(first.stdout.strip().splitlines()[-1])

    again = observatoire("aggregate", "--if-none-published", "--wait", database=database)
    assert again.returncode == 0, again.stderr
    assert "already published" in again.stderr
    assert "Aggregation job" not in again.stderr
