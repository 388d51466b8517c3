"""Ingest benchmark: the JSON batch and CSV import endpoints against a raw PostgreSQL COPY.

On a fresh PostgreSQL database, against a running `observatoire serve`:

1. `POST /v1/observations/batch`: 100,000 observations in 10 requests of 10,000 items;
2. `POST /v1/observations/import`: the same 100,000 observations as CSV, 10 files of
   10,000 lines by default (`--csv-lines-per-file 100000` sends a single file);
3. the raw baseline: asyncpg `copy_records_to_table` of the same rows (new ids) into
   `observations` only, in 10 transactions of 10,000 rows;
4. the fair baseline: the same COPY into `observations` and `observation_revisions` (the
   server writes both tables), in 10 transactions of 10,000 rows each.

Every phase inserts new rows into empty tables: `observations` and `observation_revisions`
are truncated (then CHECKPOINTed) before each phase, and the same 500 indicators x 200 monthly
periods are used each time, so no phase upserts rows of another.

The server's RSS (the process and any children, VmRSS from /proc) is sampled every 50 ms in a
background thread; its VmHWM is read before it stops. The script exits 0 whether or not the
goals are met; it exits non-zero only when the benchmark could not run.

Run: `make bench`, or `.venv/bin/python bench/ingest.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import _common as common
import httpx
import orjson
from _memory import SAMPLE_INTERVAL, RssSampler

if str(common.ROOT) not in sys.path:
    sys.path.insert(0, str(common.ROOT))

from services.core.observations.models import OBSERVATION_FIELDS
from services.core.observations.periods import parse_period

ALLIANCES = 50
INDICATORS_PER_ALLIANCE = 10
INDICATORS = ALLIANCES * INDICATORS_PER_ALLIANCE  # 500
PERIODS = 200  # monthly, 2010-01 .. 2026-08
ROWS = INDICATORS * PERIODS  # 100,000 distinct (indicator, period) pairs
BATCH_ITEMS = 10_000

GOAL_RATIO = 0.25
AIM_RATIO = 0.5
GOAL_RSS_MB = 400

DEADLINE_SECONDS = 290  # the whole run, set-up and clean-up included, stays under 5 minutes
REQUEST_TIMEOUT = httpx.Timeout(120.0, connect=5.0)

SOURCE = "Bench source"
STATUS = "final"

# The server's own layout of a row, so that the baseline copies exactly what it writes.
OBSERVATION_COLUMNS = OBSERVATION_FIELDS
REVISION_COLUMNS = ("observation_id", *OBSERVATION_COLUMNS[1:])


# --- Database -----------------------------------------------------------------------------------


def reset_tables(url: str) -> None:
    asyncio.run(common.execute(url, "TRUNCATE observation_revisions, observations", "CHECKPOINT"))


async def _count_rows(url: str) -> tuple[int, int]:
    async with common.connected(url) as connection:
        observations = await connection.fetchval("SELECT count(*) FROM observations")
        revisions = await connection.fetchval("SELECT count(*) FROM observation_revisions")
        return observations, revisions


async def _copy(url: str, chunks: list[list[tuple]], with_revisions: bool) -> float:
    """COPY the chunks, one transaction each; the seconds spent (connection excluded)."""
    async with common.connected(url) as connection:
        started = time.perf_counter()
        for records in chunks:
            async with connection.transaction():
                await connection.copy_records_to_table(
                    "observations", records=records, columns=OBSERVATION_COLUMNS
                )
                if with_revisions:
                    # Same values; observation_id is the observation's id, the serial id is left
                    # to its default as the server's INSERT does.
                    await connection.copy_records_to_table(
                        "observation_revisions", records=records, columns=REVISION_COLUMNS
                    )
        return time.perf_counter() - started


# --- Data ---------------------------------------------------------------------------------------


def period_texts() -> list[str]:
    return [f"{2010 + month // 12}-{month % 12 + 1:02d}" for month in range(PERIODS)]


@dataclass
class Row:
    indicator_id: str
    period: str
    value: float


@dataclass
class Dataset:
    rows: list[Row]
    batches: list[bytes] = field(default_factory=list)
    csv_files: list[bytes] = field(default_factory=list)


def build_dataset(indicator_ids: list[str], csv_lines_per_file: int) -> Dataset:
    """The 100,000 rows, indicator by indicator, and the request bodies (encoded up front)."""
    rng = random.Random(20261126)
    periods = period_texts()
    rows = [
        Row(indicator_id, period, round(rng.uniform(0, 1000), 2))
        for indicator_id in indicator_ids
        for period in periods
    ]
    dataset = Dataset(rows)
    for start in range(0, len(rows), BATCH_ITEMS):
        items = [
            {
                "indicator_id": row.indicator_id,
                "period": row.period,
                "value": row.value,
                "status": STATUS,
                "source": SOURCE,
            }
            for row in rows[start : start + BATCH_ITEMS]
        ]
        dataset.batches.append(orjson.dumps(items))
    for start in range(0, len(rows), csv_lines_per_file):
        lines = ["indicator_id,period,value,status,source,comment"]
        lines.extend(
            f"{row.indicator_id},{row.period},{row.value!r},{STATUS},{SOURCE},"
            for row in rows[start : start + csv_lines_per_file]
        )
        dataset.csv_files.append(("\r\n".join(lines) + "\r\n").encode())
    return dataset


def copy_chunks(rows: list[Row], recorded_by: uuid.UUID | None) -> list[list[tuple]]:
    """The rows as the server would store them (new ids), in chunks of 10,000."""
    from services.core.ids import new_id

    bounds: dict[str, tuple[date, date]] = {period: parse_period(period) for period in period_texts()}
    now = datetime.now(UTC)
    records = [
        (
            new_id(),
            uuid.UUID(row.indicator_id),
            *bounds[row.period],
            row.value,
            STATUS,
            SOURCE,
            None,
            1,
            now,
            recorded_by,
        )
        for row in rows
    ]
    return [records[i : i + BATCH_ITEMS] for i in range(0, len(records), BATCH_ITEMS)]


# --- Set-up through the API ---------------------------------------------------------------------


def post_created(client: httpx.Client, path: str, payload: dict) -> dict:
    response = client.post(path, json=payload)
    if response.status_code != 201:
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:500]}")
    return response.json()


def create_indicators(client: httpx.Client) -> list[str]:
    catalyst = post_created(
        client,
        "/v1/catalysts",
        {
            "name": "Catalyseur du banc d'essai",
            "structure_type": "association",
            "trades": ["territorial_dialogue"],
            "territory_code": "FR-94",
        },
    )
    indicator_ids = []
    for a in range(ALLIANCES):
        alliance = post_created(
            client,
            "/v1/alliances",
            {
                "name": f"Alliance du banc d'essai {a + 1}",
                "territory_code": "FR-94",
                "catalyst_ids": [catalyst["id"]],
                "domains": ["employment"],
                "stage": "prototype",
                "started_on": "2010-01-01",
            },
        )
        for i in range(INDICATORS_PER_ALLIANCE):
            indicator = post_created(
                client,
                f"/v1/alliances/{alliance['id']}/indicators",
                {
                    "code": f"BENCH-{a + 1:03d}-{i + 1:02d}",
                    "name": f"Indicateur {i + 1} de l'alliance {a + 1}",
                    "calculation_method": "Count at the end of the month.",
                    "measure_type": "quantity",
                    "axis": "performance",
                },
            )
            indicator_ids.append(indicator["id"])
    return indicator_ids


# --- Phases -------------------------------------------------------------------------------------


@dataclass
class Result:
    path: str
    rows: int
    seconds: float
    requests: int
    peak_rss_mb: float | None = None

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def post_bodies(
    client: httpx.Client, path: str, bodies: list[bytes], content_type: str
) -> tuple[float, uuid.UUID | None]:
    """POST each body in turn; the seconds spent in the exchanges, and the recorded_by seen."""
    spent = 0.0
    recorded_by = None
    for number, body in enumerate(bodies, start=1):
        started = time.perf_counter()
        response = client.post(path, content=body, headers={"Content-Type": content_type})
        spent += time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"POST {path} #{number}: {response.status_code} {response.text[:1000]}")
        result = orjson.loads(response.content)
        expected = ROWS // len(bodies)
        if (result["created"], result["updated"], result["unchanged"]) != (expected, 0, 0):
            counts = {key: result[key] for key in ("created", "updated", "unchanged")}
            raise RuntimeError(f"POST {path} #{number}: expected {expected} created, got {counts}")
        if recorded_by is None and result["items"]:
            recorded_by = uuid.UUID(result["items"][0]["recorded_by"])
    return spent, recorded_by


def check_counts(url: str, observations: int, revisions: int) -> None:
    found = asyncio.run(_count_rows(url))
    if found != (observations, revisions):
        raise RuntimeError(f"expected {observations} observations and {revisions} revisions, found {found}")


def print_results(results: list[Result], copy_obs: Result | None, copy_both: Result | None) -> None:
    headers = (
        "path",
        "rows",
        "requests",
        "seconds",
        "rows/s",
        "ratio to COPY (observations only)",
        "ratio to COPY (both tables, fair)",
        "peak server RSS",
    )
    lines = []
    for result in results:
        obs_ratio = f"{result.rate / copy_obs.rate:.3f}" if copy_obs else "-"
        both_ratio = f"{result.rate / copy_both.rate:.3f}" if copy_both else "-"
        rss = f"{result.peak_rss_mb:.0f} MB" if result.peak_rss_mb is not None else "- (server idle)"
        lines.append(
            (
                result.path,
                f"{result.rows:,}",
                str(result.requests),
                f"{result.seconds:.2f}",
                f"{result.rate:,.0f}",
                obs_ratio,
                both_ratio,
                rss,
            )
        )
    common.print_table(headers, lines)


def print_report(
    args: argparse.Namespace,
    results: list[Result],
    copy_obs: Result | None,
    copy_both: Result | None,
    sampler: RssSampler | None,
    hwm_mb: float | None,
) -> None:
    """What was measured, the table of results and the verdict on each goal."""
    print()
    print(f"Ingest benchmark: {ROWS:,} observations per path, PostgreSQL, {os.cpu_count()} CPUs")
    print(
        "  JSON batch: 10 requests of 10,000 items; CSV import: "
        f"{len(range(0, ROWS, args.csv_lines_per_file))} file(s) of {args.csv_lines_per_file:,} lines."
    )
    print(
        "  The server writes each observation to `observations` AND `observation_revisions`.\n"
        "  'COPY observations only' copies into `observations` alone (the issue's raw baseline);\n"
        "  'COPY both tables' copies into both, as the server does: the fair comparison.\n"
        "  Both tables are truncated before each phase: every path inserts into empty tables."
    )
    print()
    if results:
        print_results(results, copy_obs, copy_both)
        print()
    if copy_obs and copy_both:
        for result in results[:2]:
            ratio = result.rate / copy_obs.rate
            fair = result.rate / copy_both.rate
            aim = "reached" if ratio >= AIM_RATIO else "not reached"
            print(
                f"{common.verdict(ratio >= GOAL_RATIO)}: {result.path} at {ratio:.3f} x COPY "
                f"(observations only), goal >= {GOAL_RATIO} (aim {AIM_RATIO}: {aim}); "
                f"fair ratio (both tables) {fair:.3f}"
            )
    if sampler is not None:
        # VmHWM is the kernel's own high-water mark: it catches a peak between two samples.
        peak = sampler.peak_mb()
        worst = max(peak, hwm_mb or 0)
        print(
            f"{common.verdict(worst < GOAL_RSS_MB)}: peak server RSS {worst:.0f} MB, goal < {GOAL_RSS_MB} MB "
            f"(sampled peak {peak:.0f} MB every {SAMPLE_INTERVAL * 1000:.0f} ms over {sampler.samples} "
            f"samples; VmHWM {hwm_mb or 0:.0f} MB; the larger of the two is judged)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--csv-lines-per-file",
        type=int,
        default=BATCH_ITEMS,
        help="Lines per CSV file (10,000: 10 files; 100,000: one file).",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="Profile the server with py-spy (installed in the same environment) during the batch "
        "and CSV phases; writes DIR/batch.txt and DIR/csv.txt (collapsed stacks). Slows the server.",
    )
    args = parser.parse_args()
    if ROWS % args.csv_lines_per_file:
        parser.error(f"--csv-lines-per-file must divide {ROWS}")

    common.arm_deadline(DEADLINE_SECONDS)
    began = time.perf_counter()

    name = f"observatoire_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    server = sampler = profiler = client = None
    results: list[Result] = []
    copy_obs = copy_both = None
    hwm_mb = None
    workdir = Path(tempfile.mkdtemp(prefix="observatoire-bench-ingest-"))
    status = 0
    try:
        common.log_machine()
        common.log(f"creating database {name}")
        database_url = common.create_database(name)
        env = common.server_environment(database_url)
        common.run_cli(["migrate"], env, timeout=120)
        secret = common.run_cli(["keys", "create", "--scope", "staff", "--name", "Bench"], env, 60).stdout
        secret = secret.strip().splitlines()[-1]

        port = common.free_port()
        command = [*common.observatoire_command(), "serve", "--host", common.HOST, "--port", str(port)]
        server = common.start_server("observatoire", command, env, port, workdir)
        sampler = RssSampler(server.process.pid)
        sampler.start()
        client = httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {secret}"},
            timeout=REQUEST_TIMEOUT,
            trust_env=False,  # no proxy: traffic stays on 127.0.0.1
        )
        common.wait_until_answering(server, "/v1/health", timeout=30)
        common.log(f"server up on port {port} (pid {server.process.pid}); creating {INDICATORS} indicators")
        started = time.perf_counter()
        indicator_ids = create_indicators(client)
        common.log(f"set-up requests took {time.perf_counter() - started:.1f} s")
        dataset = build_dataset(indicator_ids, args.csv_lines_per_file)
        common.log(
            f"bodies: {len(dataset.batches)} JSON batches "
            f"({sum(map(len, dataset.batches)) / 1e6:.1f} MB), {len(dataset.csv_files)} CSV files "
            f"({sum(map(len, dataset.csv_files)) / 1e6:.1f} MB)"
        )

        if args.py_spy:
            args.py_spy.mkdir(parents=True, exist_ok=True)
        profiler = common.PySpy(args.py_spy, server.process.pid, rate=250)

        reset_tables(database_url)
        common.log(f"batch: {ROWS:,} rows in {len(dataset.batches)} requests")
        profiler.start("batch")
        sampler.phase = "batch"
        seconds, recorded_by = post_bodies(
            client, "/v1/observations/batch", dataset.batches, "application/json"
        )
        sampler.phase = "idle"
        profiler.stop()
        check_counts(database_url, ROWS, ROWS)
        results.append(Result("JSON batch", ROWS, seconds, len(dataset.batches), sampler.peak_mb("batch")))
        common.log(f"batch: {seconds:.2f} s")

        reset_tables(database_url)
        common.log(f"CSV import: {ROWS:,} rows in {len(dataset.csv_files)} files")
        profiler.start("csv")
        sampler.phase = "csv"
        seconds, _ = post_bodies(client, "/v1/observations/import", dataset.csv_files, "text/csv")
        sampler.phase = "idle"
        profiler.stop()
        check_counts(database_url, ROWS, ROWS)
        results.append(Result("CSV import", ROWS, seconds, len(dataset.csv_files), sampler.peak_mb("csv")))
        common.log(f"CSV import: {seconds:.2f} s")
        hwm_mb = sampler.hwm_mb()

        chunks = copy_chunks(dataset.rows, recorded_by)
        reset_tables(database_url)
        common.log("raw COPY into observations only")
        seconds = asyncio.run(_copy(database_url, chunks, with_revisions=False))
        check_counts(database_url, ROWS, 0)
        copy_obs = Result("COPY observations only", ROWS, seconds, len(chunks))
        results.append(copy_obs)
        common.log(f"COPY observations only: {seconds:.2f} s")

        chunks = copy_chunks(dataset.rows, recorded_by)
        reset_tables(database_url)
        common.log("raw COPY into observations and observation_revisions")
        seconds = asyncio.run(_copy(database_url, chunks, with_revisions=True))
        check_counts(database_url, ROWS, ROWS)
        copy_both = Result("COPY both tables", ROWS, seconds, len(chunks))
        results.append(copy_both)
        common.log(f"COPY both tables: {seconds:.2f} s")
    except Exception as exc:  # DeadlineExceeded included
        status = 1
        print(f"error: {exc}", file=sys.stderr)
        if server is not None:
            print(f"server log (last lines):\n{common.server_tail(server)}", file=sys.stderr)
    finally:
        common.disarm_deadline()
        if client is not None:
            client.close()
        if profiler is not None:
            profiler.stop()
        if server is not None:
            if hwm_mb is None and server.process.poll() is None:
                hwm_mb = sampler.hwm_mb() if sampler else None
            common.stop_server(server)
        if sampler is not None:
            sampler.stop()
        with suppress(Exception):
            common.drop_database(name)
        shutil.rmtree(workdir, ignore_errors=True)

    print_report(args, results, copy_obs, copy_both, sampler, hwm_mb)
    common.print_run_time(began)
    return status


if __name__ == "__main__":
    sys.exit(main())
