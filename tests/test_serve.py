"""`observatoire serve --workers 2` as users run it: metrics summed over processes, JSON logs."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.test_cli import observatoire
from tests.worker.processes import free_port

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = 40


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    database = tmp_path_factory.mktemp("serve") / "serve.db"
    assert observatoire("migrate", database=database).returncode == 0
    key = observatoire("keys", "create", "--scope", "read", database=database).stdout.strip().splitlines()[-1]
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}", "PYTHONPATH": str(ROOT)}
    for name in ("REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    log_path = database.parent / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", "--workers", "2", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base_url}/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
            yield base_url, {"Authorization": f"Bearer {key}"}, log_path
        finally:
            process.terminate()
            assert process.wait(timeout=60) == 0


def test_metrics_sum_the_requests_of_every_worker_process(served):
    base_url, headers, _ = served
    for _ in range(REQUESTS):
        # A new connection each time, so that both processes take requests.
        assert httpx.get(f"{base_url}/v1/territories?limit=1", headers=headers).status_code == 200
    pattern = re.compile(
        r'observatoire_http_requests_total\{method="GET",route="/v1/territories",status="200"\} (\S+)'
    )
    totals = set()
    for _ in range(6):
        scrape = httpx.get(f"{base_url}/metrics")
        totals.add(float(pattern.search(scrape.text).group(1)))
    # Whichever process answers the scrape, it reports the requests of both.
    assert totals == {REQUESTS}
    access_lines = [
        json.loads(line) for line in served[2].read_text().splitlines() if "/v1/territories" in line
    ]
    # ...and both did take some: the sum above is not one process's own count.
    assert len({line["pid"] for line in access_lines}) == 2


def test_the_server_logs_one_json_object_per_line(served):
    base_url, headers, log_path = served
    answer = httpx.get(
        f"{base_url}/v1/territories?limit=1", headers={**headers, "X-Request-ID": "serve-log-1"}
    )
    assert answer.headers["x-request-id"] == "serve-log-1"
    deadline = time.monotonic() + 10
    while "serve-log-1" not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    access = [line for line in lines if line.get("request_id") == "serve-log-1"]
    assert len(access) == 1
    assert access[0]["logger"] == "observatoire.access"
    assert access[0]["status"] == 200
    # Uvicorn's own lines are JSON too, and its access log (without request ids) is off.
    assert any(line.get("logger", "").startswith("uvicorn") for line in lines)
    assert not any(line.get("logger") == "uvicorn.access" for line in lines)
