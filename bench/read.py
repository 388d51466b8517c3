"""Read benchmark: four read endpoints under load, against a bare FastAPI app serving the same bytes.

On PostgreSQL, with the demo dataset scaled to 2,000 catalysts and 20,000 alliances (and their
organisations, members, indicators and observations in the demo's proportions) and a
published snapshot, `observatoire serve --workers 2` (with Redis and the rate limiter on) is
driven by a closed-loop load generator (bench/_loadgen.py: keep-alive connections on loopback)
on each of

    GET /v1/snapshots/latest/scores?subject_type=territory
    GET /v1/snapshots/<id>/scores?subject_type=territory   (the id of `latest`, read at start)
    GET /v1/catalysts?limit=50
    GET /v1/alliances?territory=FR-IDF

and, in the same run, a bare FastAPI app (bench/_bare_app.py), served by the same `serve`
command with the same settings, whose routes return the very bytes (body and headers) that the
real server returned for these requests. For each endpoint: requests per second, p50 and p99
latency of both, the ratio of the real throughput to the bare one, and the CPU each server and
the database's backends spent per request. Three sections by default:

1. 64 connections, 2 s of warm-up then 10 s measured per run: the goals are judged here;
2. 256 connections, 5 s measured (`--connections 64,256`, `--high-load-duration`);
3. 64 connections while an aggregation of the 20,000 alliances runs in `observatoire worker`
   on the same machine (bench/_read_aggregation.py keeps one running; each window starts once
   a job is `running`, and the report says how much of it a job ran); `--no-during-aggregation`
   leaves it out.

Goals (at 64 connections, section 1): both scores endpoints at least 0.35 x the bare app's
throughput and p99 under 50 ms; the catalysts and alliances lists at least 0.15 x and p99 under
100 ms. The other sections are reported against the same figures, as indications.

This script starts the servers, drives the load and prints the report; the database
`observatoire_bench_read` is built, fingerprinted and kept between runs by
bench/_read_dataset.py (`--rebuild` forces a new one, `--drop` drops it at the end), and the
figures of each run and the report are bench/_read_report.py's. `--py-spy DIR` profiles the real
server and prints, per endpoint, the functions with the largest shares of the samples
(bench/_profile_summary.py). The script exits 0 whether or not the goals are met; it exits
non-zero only when the benchmark could not run.

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
from _profile_summary import print_summary, summarise
from _read_aggregation import AggregationLoad
from _read_report import GOAL_CONNECTIONS, LISTS_GOAL, SCORES_GOAL, Goal, Run, RunKey, Section, print_report

if str(common.ROOT) not in sys.path:
    sys.path.insert(0, str(common.ROOT))

from services.core.auth.service import hash_key

REDIS_URL = os.environ.get("OBSERVATOIRE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

WORKERS = 2
CONNECTIONS = "64,256"
WARMUP_SECONDS = 2.0
MEASURE_SECONDS = 10.0
HIGH_LOAD_MEASURE_SECONDS = 5.0
# The production configuration rate-limits every request: the limiter stays on, with a limit
# no run can reach, so that its cost is measured and no request is refused.
RATE_LIMIT_REQUESTS = 1_000_000_000
RATE_LIMIT_WINDOW_SECONDS = 60

DEADLINE_SECONDS = 1500  # the whole run, a database build included

# Headers the HTTP server writes itself (or that frame the body): the bare app's server writes
# its own; every other header of the real response is replayed by the bare app.
SERVER_HEADERS = {"date", "server", "content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    goal: Goal
    label: str = ""  # how the report names it, when not by its path

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]

    @property
    def shown(self) -> str:
        return self.label or self.path


def endpoints(snapshot_id: str) -> tuple[Endpoint, ...]:
    """The endpoints measured, `snapshot_id` being the published snapshot's id."""
    return (
        Endpoint("scores-latest", "/v1/snapshots/latest/scores?subject_type=territory", SCORES_GOAL),
        Endpoint(
            "scores-by-id",
            f"/v1/snapshots/{snapshot_id}/scores?subject_type=territory",
            SCORES_GOAL,
            label="/v1/snapshots/<id>/scores?subject_type=territory",
        ),
        Endpoint("catalysts", "/v1/catalysts?limit=50", LISTS_GOAL),
        Endpoint("alliances", "/v1/alliances?territory=FR-IDF", LISTS_GOAL),
    )


def sections(args: argparse.Namespace) -> list[Section]:
    """One section per connection count, then the one during an aggregation (at the first)."""
    counts = args.connections
    # Above the goals' connection count, shorter windows keep the whole run under ~10 minutes.
    planned = [
        Section(n, args.duration if n <= GOAL_CONNECTIONS else args.high_load_duration) for n in counts
    ]
    if args.during_aggregation:
        planned.append(Section(counts[0], planned[0].duration, during_aggregation=True))
    return planned


# --- Servers ------------------------------------------------------------------------------------


def server_options(port: int) -> list[str]:
    return ["--host", common.HOST, "--port", str(port), "--workers", str(WORKERS)]


@dataclass
class Captured:
    body: bytes
    headers: list[tuple[str, str]]  # as sent, but those the HTTP server writes itself


def replayed_headers(response: httpx.Response) -> list[tuple[str, str]]:
    return [(name, value) for name, value in response.headers.items() if name not in SERVER_HEADERS]


def latest_snapshot_id(server: common.Server, secret: str) -> str:
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=30) as client:
        response = client.get("/v1/snapshots/latest", headers={"Authorization": f"Bearer {secret}"})
        if response.status_code != 200:
            raise RuntimeError(f"GET /v1/snapshots/latest: {response.status_code} {response.text[:500]}")
        return response.json()["id"]


def capture_responses(
    server: common.Server, secret: str, measured: tuple[Endpoint, ...]
) -> dict[str, Captured]:
    """The real server's response to each endpoint, checked for a full page of data."""
    captured = {}
    with httpx.Client(
        base_url=server.base_url, trust_env=False, timeout=30, headers={"Authorization": f"Bearer {secret}"}
    ) as client:
        for endpoint in measured:
            response = client.get(endpoint.path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {endpoint.path}: {response.status_code} {response.text[:500]}")
            page = response.json()
            if len(page["items"]) != 50 or page["next_cursor"] is None:
                raise RuntimeError(f"GET {endpoint.path}: expected a full page of 50 items and a next page")
            captured[endpoint.route] = Captured(response.content, replayed_headers(response))
    return captured


def check_bare_responses(
    server: common.Server, captured: dict[str, Captured], measured: tuple[Endpoint, ...]
) -> None:
    """The bare app answers the same body and the same headers (but the server's own)."""
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=30) as client:
        for endpoint in measured:
            response = client.get(endpoint.path)
            expected = captured[endpoint.route]
            if response.content != expected.body:
                raise RuntimeError(f"the bare app does not return the real body for {endpoint.path}")
            if sorted(replayed_headers(response)) != sorted(expected.headers):
                raise RuntimeError(
                    f"the bare app does not return the real headers for {endpoint.path}: "
                    f"{replayed_headers(response)} against {expected.headers}"
                )


def start_bare_app(
    captured: dict[str, Captured], server_env: dict[str, str], workdir: Path, measured: tuple[Endpoint, ...]
) -> common.Server:
    responses = {}
    for number, (route, response) in enumerate(captured.items()):
        body_file = workdir / f"body-{number}.json"
        body_file.write_bytes(response.body)
        responses[route] = {"headers": response.headers, "body_file": str(body_file)}
    responses_file = workdir / "responses.json"
    responses_file.write_text(json.dumps(responses))
    port = common.free_port()
    bare = common.start_server(
        "bare",
        [sys.executable, str(common.HERE / "_bare_app.py"), *server_options(port)],
        {**server_env, "OBSERVATOIRE_BENCH_BARE_RESPONSES": str(responses_file)},
        port,
        workdir,
    )
    common.wait_until_answering(bare, measured[0].path)
    check_bare_responses(bare, captured, measured)
    return bare


# --- Load ---------------------------------------------------------------------------------------


def drive(
    server: common.Server,
    endpoint: Endpoint,
    secret: str,
    section: Section,
    args: argparse.Namespace,
    worker_pid: int | None,
) -> Run:
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
        str(section.connections),
        "--warmup",
        str(args.warmup),
        "--duration",
        str(section.duration),
        "--watch",
        f"server={server.process.pid}",
        # The backends of the benchmark's database (their process title names it).
        "--watch-cmdline",
        f"postgres= {dataset.DATABASE} ",
    ]
    if worker_pid is not None:
        command += ["--watch", f"aggregation={worker_pid}"]
    result = subprocess.run(
        command,
        cwd=common.ROOT,
        capture_output=True,
        text=True,
        timeout=args.warmup + section.duration + 60,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the load generator failed on {endpoint.path}:\n{result.stderr[-2000:]}")
    return Run(endpoint.path, server.name, json.loads(result.stdout))


def run_section(
    section: Section,
    servers: tuple[common.Server, common.Server],
    measured: tuple[Endpoint, ...],
    secret: str,
    args: argparse.Namespace,
    runs: dict[RunKey, Run],
    aggregation: AggregationLoad | None,
) -> None:
    real = servers[0]
    # Only samples holding the GIL: threads waiting on a pipe or the event loop waiting for I/O
    # would otherwise count as work.
    profiler = common.PySpy(args.py_spy, real.process.pid, rate=200, subprocesses=True, gil=True)
    for endpoint in measured:
        for server in servers:
            if aggregation is not None:
                # Warm-up, window, and the generator's start.
                aggregation.wait_until_running(args.warmup + section.duration + 1)
            if server is real:
                profiler.start(endpoint.name + section.slug)
            try:
                run = drive(
                    server,
                    endpoint,
                    secret,
                    section,
                    args,
                    aggregation.worker.process.pid if aggregation else None,
                )
            finally:
                if server is real:
                    profiler.stop()
            if aggregation is not None:
                run.aggregation_share = aggregation.running_share(run.window)
            runs[(section.title, endpoint.shown, server.name)] = run
            common.log(
                f"{section.title}: {endpoint.shown} on {server.name}: {run.rate:,.0f} req/s, "
                f"p50 {run.latency_ms('p50'):.1f} ms, p99 {run.latency_ms('p99'):.1f} ms"
                + (f", aggregation running {run.aggregation_share:.0%} of the window" if aggregation else "")
                + (
                    f", {run.failures} failures {run.result['statuses']} {run.result['errors']}"
                    if run.failures
                    else ""
                )
            )


def describe_setup(args: argparse.Namespace, measured: tuple[Endpoint, ...]) -> str:
    """The report's first lines: the dataset, how the real server was started, the snapshot."""
    named = [endpoint for endpoint in measured if endpoint.label]
    return (
        f"Read benchmark: {dataset.CATALYSTS:,} catalysts, {dataset.ALLIANCES:,} alliances, PostgreSQL; "
        f"`observatoire serve --workers {WORKERS}` "
        + ("with REDIS_URL" if not args.no_redis else "without REDIS_URL")
        + (", no rate limiter" if args.no_rate_limit else f", rate limit {RATE_LIMIT_REQUESTS:,} per window")
        + (", no answer kept in memory" if args.no_kept_answers else "")
        + "".join(f"\n  {endpoint.label} is {endpoint.path}" for endpoint in named)
    )


def print_profiles(directory: Path, measured: tuple[Endpoint, ...], planned: list[Section]) -> None:
    """Where the real server's time went, per endpoint, from the collapsed stacks."""
    print()
    print(f"Profiles (py-spy, collapsed stacks in {directory}):")
    for section in planned:
        for endpoint in measured:
            path = directory / f"{endpoint.name}{section.slug}.txt"
            if path.exists():
                with open(path, errors="replace") as stacks:
                    print_summary(path, summarise(stacks), top=10)


def connection_counts(text: str) -> list[int]:
    """`64,256` -> [64, 256]."""
    try:
        counts = [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected connection counts such as 64,256, not {text!r}")
    return counts


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="Build a new database.")
    parser.add_argument("--drop", action="store_true", help="Drop the database at the end.")
    parser.add_argument(
        "--connections",
        type=connection_counts,
        default=CONNECTIONS,
        help="Comma-separated connection counts, one section each (the goals are judged at 64).",
    )
    parser.add_argument("--warmup", type=float, default=WARMUP_SECONDS, help="Seconds of warm-up per run.")
    parser.add_argument(
        "--duration",
        type=float,
        default=MEASURE_SECONDS,
        help="Seconds measured per run, up to 64 connections.",
    )
    parser.add_argument(
        "--high-load-duration",
        type=float,
        default=HIGH_LOAD_MEASURE_SECONDS,
        help="Seconds measured per run above 64 connections.",
    )
    parser.add_argument(
        "--during-aggregation",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="A last section, at the first connection count, while an aggregation runs in a worker.",
    )
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
        "writes DIR/<endpoint>[-<section>].txt (collapsed stacks) and prints their summary. "
        "Slows the server: don't use its figures.",
    )
    parser.add_argument(
        "--no-kept-answers",
        action="store_true",
        help="Serve with OBSERVATOIRE_READ_CACHE_MEGABYTES=0: every answer computed by the application "
        "(what a request whose answer is not kept costs).",
    )
    args = parser.parse_args()
    if args.during_aggregation and args.no_redis:
        parser.error("--during-aggregation needs Redis (the worker's queue): add --no-during-aggregation")
    return args


def main() -> int:
    args = parse_arguments()
    planned = sections(args)

    common.arm_deadline(DEADLINE_SECONDS)
    began = time.perf_counter()

    url = common.database_url(dataset.DATABASE)
    servers: list[common.Server] = []
    runs: dict[RunKey, Run] = {}
    measured: tuple[Endpoint, ...] = ()
    aggregation: AggregationLoad | None = None
    secret = None
    status = 0
    workdir = Path(tempfile.mkdtemp(prefix="observatoire-bench-read-"))
    env = common.server_environment(url)
    server_env = dict(env)
    if not args.no_redis:
        server_env["REDIS_URL"] = REDIS_URL
    server_env["OBSERVATOIRE_RATE_LIMIT_REQUESTS"] = "0" if args.no_rate_limit else str(RATE_LIMIT_REQUESTS)
    server_env["OBSERVATOIRE_RATE_LIMIT_WINDOW_SECONDS"] = str(RATE_LIMIT_WINDOW_SECONDS)
    if args.no_kept_answers:
        server_env["OBSERVATOIRE_READ_CACHE_MEGABYTES"] = "0"
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
        measured = endpoints(latest_snapshot_id(real, secret))
        captured = capture_responses(real, secret, measured)
        common.log(
            f"real server up on port {real.port} (pid {real.process.pid}, {WORKERS} workers, "
            f"{'REDIS_URL ' + REDIS_URL if not args.no_redis else 'no REDIS_URL'}); responses: "
            + ", ".join(f"{route} {len(c.body):,} B" for route, c in captured.items())
        )
        bare = start_bare_app(captured, server_env, workdir, measured)
        servers.append(bare)
        common.log(
            f"bare app up on port {bare.port} (pid {bare.process.pid}), same bytes and headers checked"
        )

        if args.py_spy:
            args.py_spy.mkdir(parents=True, exist_ok=True)
        for section in planned:
            if section.during_aggregation:
                aggregation = AggregationLoad(url, server_env, workdir)
                aggregation.start()
                common.log(f"aggregation worker started (pid {aggregation.worker.process.pid})")
            run_section(section, (real, bare), measured, secret, args, runs, aggregation)
            if aggregation is not None:
                aggregation.stop()
                common.log(
                    f"aggregation: {aggregation.jobs_started} jobs started in the section"
                    + (f"; failures: {aggregation.failures}" if aggregation.failures else "")
                )
                aggregation = None
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
        if aggregation is not None:
            with suppress(Exception):
                aggregation.stop()
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

    goals = {endpoint.shown: endpoint.goal for endpoint in measured}
    print_report(describe_setup(args, measured), args, planned, goals, runs)
    if args.py_spy:
        print_profiles(args.py_spy, measured, planned)
    common.print_run_time(began)
    return status


if __name__ == "__main__":
    sys.exit(main())
