"""Read benchmark: three list endpoints under load, against a bare FastAPI app serving the same bytes.

On PostgreSQL, with the demo dataset scaled to 2,000 catalysts and 20,000 alliances (and their
organisations, members, indicators and observations in the demo's proportions) and a
published snapshot, `observatoire serve --workers 2` is driven by a closed-loop load generator
(bench/_loadgen.py: 64 keep-alive connections on loopback, 2 s of warm-up then 10 s measured)
on each of

    GET /v1/catalysts?limit=50
    GET /v1/alliances?territory=FR-IDF
    GET /v1/snapshots/latest/scores?subject_type=territory

and, in the same run, a bare FastAPI app (bench/_bare_app.py), served by the same `serve`
command with the same settings, whose routes return the very bytes (body and content type)
that the real server returned for these requests. For each endpoint: requests per second,
p50 and p99 latency of both, and the ratio of the real throughput to the bare one.
Goals: every endpoint at least 0.35 x the bare app's throughput, and p99 under 100 ms.

This script starts the servers, drives the load and prints the report; the database
`observatoire_bench_read` is built, fingerprinted and kept between runs by
bench/_read_dataset.py (`--rebuild` forces a new one, `--drop` drops it at the end), and the
figures of each run and the report are bench/_read_report.py's. The script exits 0 whether
or not the goals are met; it exits non-zero only when the benchmark could not run.

Run: `make bench`, or `.venv/bin/python bench/read.py [--rebuild] [--py-spy DIR]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import _common as common
import _read_dataset as dataset
import httpx
from _read_report import Run, RunKey, print_report

if str(common.ROOT) not in sys.path:
    sys.path.insert(0, str(common.ROOT))

from services.core.auth.service import hash_key

REDIS_URL = os.environ.get("OBSERVATOIRE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

WORKERS = 2
CONNECTIONS = 64
WARMUP_SECONDS = 2.0
MEASURE_SECONDS = 10.0
# The production configuration rate-limits every request through Redis: the limiter stays on,
# with a limit no run can reach, so that its cost is measured and no request is refused.
RATE_LIMIT_REQUESTS = 1_000_000_000
RATE_LIMIT_WINDOW_SECONDS = 60

DEADLINE_SECONDS = 900  # the whole run, a database build included


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]


ENDPOINTS = (
    Endpoint("catalysts", "/v1/catalysts?limit=50"),
    Endpoint("alliances", "/v1/alliances?territory=FR-IDF"),
    Endpoint("scores", "/v1/snapshots/latest/scores?subject_type=territory"),
)


# --- Servers ------------------------------------------------------------------------------------


def server_options(port: int) -> list[str]:
    return ["--host", common.HOST, "--port", str(port), "--workers", str(WORKERS)]


@dataclass
class Captured:
    content_type: str
    body: bytes
    headers: list[tuple[str, str]]


def capture_responses(server: common.Server, secret: str) -> dict[str, Captured]:
    """The real server's response to each endpoint, checked for a full page of data."""
    captured = {}
    with httpx.Client(
        base_url=server.base_url, trust_env=False, timeout=30, headers={"Authorization": f"Bearer {secret}"}
    ) as client:
        for endpoint in ENDPOINTS:
            response = client.get(endpoint.path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {endpoint.path}: {response.status_code} {response.text[:500]}")
            page = response.json()
            if len(page["items"]) != 50 or page["next_cursor"] is None:
                raise RuntimeError(f"GET {endpoint.path}: expected a full page of 50 items and a next page")
            captured[endpoint.route] = Captured(
                response.headers["content-type"], response.content, list(response.headers.items())
            )
    return captured


def check_bare_responses(server: common.Server, captured: dict[str, Captured]) -> None:
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=30) as client:
        for endpoint in ENDPOINTS:
            response = client.get(endpoint.path)
            expected = captured[endpoint.route]
            if response.content != expected.body or response.headers["content-type"] != expected.content_type:
                raise RuntimeError(f"the bare app does not return the real bytes for {endpoint.path}")


# --- Load ---------------------------------------------------------------------------------------


def drive(server: common.Server, endpoint: Endpoint, secret: str, args: argparse.Namespace) -> Run:
    command = [
        sys.executable,
        str(common.HERE / "_loadgen.py"),
        "--host",
        common.HOST,
        "--port",
        str(server.port),
        "--path",
        endpoint.path,
        # The same request bytes for both servers: the bare app ignores the key.
        "--header",
        f"Authorization: Bearer {secret}",
        "--connections",
        str(args.connections),
        "--warmup",
        str(args.warmup),
        "--duration",
        str(args.duration),
        "--watch",
        f"server={server.process.pid}",
        # The backends of the benchmark's database (their process title names it).
        "--watch-cmdline",
        f"postgres= {dataset.DATABASE} ",
    ]
    result = subprocess.run(
        command,
        cwd=common.ROOT,
        capture_output=True,
        text=True,
        timeout=args.warmup + args.duration + 60,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the load generator failed on {endpoint.path}:\n{result.stderr[-2000:]}")
    return Run(endpoint.path, server.name, json.loads(result.stdout))


def describe_setup(args: argparse.Namespace) -> str:
    """The report's first line: the dataset and how the real server was started."""
    return (
        f"Read benchmark: {dataset.CATALYSTS:,} catalysts, {dataset.ALLIANCES:,} alliances, PostgreSQL; "
        f"`observatoire serve --workers {WORKERS}` "
        + ("with REDIS_URL" if not args.no_redis else "without REDIS_URL")
        + (", no rate limiter" if args.no_rate_limit else f", rate limit {RATE_LIMIT_REQUESTS:,} per window")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="Build a new database.")
    parser.add_argument("--drop", action="store_true", help="Drop the database at the end.")
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--warmup", type=float, default=WARMUP_SECONDS, help="Seconds of warm-up per run.")
    parser.add_argument("--duration", type=float, default=MEASURE_SECONDS, help="Seconds measured per run.")
    parser.add_argument(
        "--no-redis", action="store_true", help="Serve without REDIS_URL (rate limits counted in memory)."
    )
    parser.add_argument(
        "--no-rate-limit",
        action="store_true",
        help="Serve with OBSERVATOIRE_RATE_LIMIT_REQUESTS=0 (no limiter) instead of a limit never reached.",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="Profile the real server with py-spy (installed in the same environment) during its runs; "
        "writes DIR/<endpoint>.txt (collapsed stacks). Slows the server: don't use its figures.",
    )
    args = parser.parse_args()

    common.arm_deadline(DEADLINE_SECONDS)
    began = time.perf_counter()

    url = common.database_url(dataset.DATABASE)
    servers: list[common.Server] = []
    runs: dict[RunKey, Run] = {}
    captured: dict[str, Captured] = {}
    secret = None
    status = 0
    workdir = Path(tempfile.mkdtemp(prefix="observatoire-bench-read-"))
    env = common.server_environment(url)
    server_env = dict(env)
    if not args.no_redis:
        server_env["REDIS_URL"] = REDIS_URL
    server_env["OBSERVATOIRE_RATE_LIMIT_REQUESTS"] = "0" if args.no_rate_limit else str(RATE_LIMIT_REQUESTS)
    server_env["OBSERVATOIRE_RATE_LIMIT_WINDOW_SECONDS"] = str(RATE_LIMIT_WINDOW_SECONDS)
    try:
        common.log_machine()
        counts = dataset.prepare_database(url, env, rebuild=args.rebuild)
        if counts["outbox pending"]:
            # The served app relays its outbox to Redis: nothing must be queued there by a run.
            raise RuntimeError(f"{counts['outbox pending']} outbox rows are waiting: rebuild (--rebuild)")
        secret = common.run_cli(["keys", "create", "--scope", "read", "--name", "bench/read.py"], env, 60)
        secret = secret.stdout.strip().splitlines()[-1]

        real_port = common.free_port()
        real = common.start_server(
            "real",
            [*common.observatoire_command(), "serve", *server_options(real_port)],
            server_env,
            real_port,
            workdir,
        )
        servers.append(real)
        common.wait_until_answering(real, "/v1/ready")  # the database, and Redis when configured
        captured = capture_responses(real, secret)
        common.log(
            f"real server up on port {real.port} (pid {real.process.pid}, {WORKERS} workers, "
            f"{'REDIS_URL ' + REDIS_URL if not args.no_redis else 'no REDIS_URL'}); responses: "
            + ", ".join(f"{route} {len(c.body):,} B" for route, c in captured.items())
        )
        responses = {}
        for number, (route, response) in enumerate(captured.items()):
            body_file = workdir / f"body-{number}.json"
            body_file.write_bytes(response.body)
            responses[route] = {"content_type": response.content_type, "body_file": str(body_file)}
        responses_file = workdir / "responses.json"
        responses_file.write_text(json.dumps(responses))
        bare_port = common.free_port()
        bare = common.start_server(
            "bare",
            [sys.executable, str(common.HERE / "_bare_app.py"), *server_options(bare_port)],
            {**server_env, "OBSERVATOIRE_BENCH_BARE_RESPONSES": str(responses_file)},
            bare_port,
            workdir,
        )
        servers.append(bare)
        common.wait_until_answering(bare, ENDPOINTS[0].path)
        check_bare_responses(bare, captured)
        common.log(f"bare app up on port {bare.port} (pid {bare.process.pid}), same bytes checked")

        if args.py_spy:
            args.py_spy.mkdir(parents=True, exist_ok=True)
        profiler = common.PySpy(args.py_spy, real.process.pid, rate=200, subprocesses=True)
        for endpoint in ENDPOINTS:
            for server in (real, bare):
                if server is real:
                    profiler.start(endpoint.name)
                try:
                    run = drive(server, endpoint, secret, args)
                finally:
                    if server is real:
                        profiler.stop()
                runs[(endpoint.path, server.name)] = run
                common.log(
                    f"{endpoint.path} on {server.name}: {run.rate:,.0f} req/s, "
                    f"p50 {run.latency_ms('p50'):.1f} ms, p99 {run.latency_ms('p99'):.1f} ms"
                    + (
                        f", {run.failures} failures {run.result['statuses']} {run.result['errors']}"
                        if run.failures
                        else ""
                    )
                )
    except Exception as exc:  # DeadlineExceeded included
        status = 1
        print(f"error: {exc}", file=sys.stderr)
        for server in servers:
            print(
                f"{server.name} server log (last lines):\n{common.server_tail(server)}",
                file=sys.stderr,
            )
    finally:
        common.disarm_deadline()
        for server in servers:
            common.stop_server(server)
        if secret is not None:
            with suppress(Exception):
                asyncio.run(
                    common.execute(url, f"DELETE FROM api_keys WHERE key_hash = '{hash_key(secret)}'")
                )
        if args.drop:
            with suppress(Exception):
                common.drop_database(dataset.DATABASE)
        shutil.rmtree(workdir, ignore_errors=True)

    print_report(describe_setup(args), args, [endpoint.path for endpoint in ENDPOINTS], runs)
    common.print_run_time(began)
    return status


if __name__ == "__main__":
    sys.exit(main())
