"""Memory benchmark: the streamed snapshot export and a CSV import, against the idle server.

On a fresh PostgreSQL database, two snapshots are written directly (one `snapshots` row each,
their score rows by COPY, laid out as an aggregation writes them: alliances and groups, three
axes each, every column filled as for a scored subject): one of 10,000 score rows, one of
100,000. Then, each case on a server of its own (`observatoire serve`, one process, no Redis),
so that no case inherits the memory another left behind:

- `GET /v1/snapshots/{id}/export` (JSON, then `?format=csv`) of each snapshot, read to the end
  as a client would, streamed (every row counted: the export must be complete);
- `POST /v1/observations/import` of one 100,000-line CSV file (7.3 MB; 500 indicators x 200
  monthly periods, created through the API first, with bench/ingest.py's code), then of one
  10,000-line file (the first 50 indicators). A file the server refuses as a whole (413: it
  bounds a file as it bounds a JSON batch) is reported as refused, with the memory it took.

Memory: the server's resident size once it has answered a first request and is idle (the
baseline, measured in each case right before it), then, during the case, VmRSS sampled every
50 ms and VmHWM (the kernel's high-water mark) read at its end; the peak is the larger of the
two. Reported: baseline, peak and growth (peak - baseline) per case, and for each export format
the ratio of the peak at 100 k rows to the peak at 10 k rows: a streamed export keeps it near 1.
The script exits 0 whatever the figures; non-zero only when the benchmark could not run.

Run: `make bench`, or `.venv/bin/python bench/export.py`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import _common as common
import httpx
import orjson
from _memory import SAMPLE_INTERVAL, RssSampler, rss_mb
from ingest import PERIODS, build_dataset, create_indicators

if str(common.ROOT) not in sys.path:
    sys.path.insert(0, str(common.ROOT))

from services.core.ids import new_id
from services.core.snapshots.models import SCORE_FIELDS

SNAPSHOT_ROWS = (10_000, 100_000)
# The lines of each CSV import case: the server's largest file for a JSON batch, and ten times it.
IMPORT_LINES = (100_000, 10_000)
AXES = ("performance", "innovation", "trust")
DEADLINE_SECONDS = 600
REQUEST_TIMEOUT = httpx.Timeout(300.0, connect=5.0)
# Peak at 100 k rows over peak at 10 k rows: above this, the export does not stream flat.
FLAT_RATIO = 1.1


# --- Data ---------------------------------------------------------------------------------------


def score_records(snapshot_id: uuid.UUID, count: int, rng: random.Random) -> list[tuple]:
    """`count` score rows in SCORE_FIELDS order, snapshot_id first: nine alliances in ten, the
    rest groups (territories, catalysts, domains, actor types), three axes per subject."""
    records = []
    for n in range(count):
        subject = n // len(AXES)
        axis = AXES[n % len(AXES)]
        score = round(rng.uniform(0, 100), 6)
        spread = round(rng.uniform(1, 10), 6)
        common_fields = {
            "axis": axis,
            "score": score,
            "coverage": round(rng.uniform(0.5, 1), 6),
            "lower": score - spread,
            "upper": score + spread,
            "delta_1y": round(rng.uniform(-10, 10), 6),
        }
        if subject % 10:
            row = {
                **common_fields,
                "subject_type": "alliance",
                "subject_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "flags": json.dumps(["low_coverage"] if subject % 7 == 0 else []),
                "n_indicators": 9,
                "n_scored_indicators": 8,
            }
        else:
            row = {
                **common_fields,
                "subject_type": "territory",
                "subject_id": f"FR-{subject % 96 + 1:02d}-{subject}",
                "flags": json.dumps([]),
                "n_alliances": 40,
                "n_scored": 38,
                "median": score,
                "p25": score - spread,
                "p75": score + spread,
                "min": score - 3 * spread,
                "max": score + 3 * spread,
            }
        records.append((snapshot_id, *(row.get(name) for name in SCORE_FIELDS)))
    return records


async def write_snapshot(url: str, count: int, as_of: date) -> uuid.UUID:
    snapshot_id = new_id()
    rng = random.Random(count)
    records = score_records(snapshot_id, count, rng)
    async with common.connected(url) as connection, connection.transaction():
        version, config_hash = await connection.fetchrow(
            "SELECT version, config_hash FROM methodologies ORDER BY version DESC LIMIT 1"
        )
        await connection.execute(
            "INSERT INTO snapshots (id, created_at, as_of, methodology_version, methodology_hash, "
            "content_hash, input_watermark, counts, diagnostics) "
            "VALUES ($1, $2, $3, $4, $5, $6, '{}', $7, '{}')",
            snapshot_id,
            datetime.now(UTC),
            as_of,
            version,
            config_hash,
            f"{count:064x}",
            json.dumps({"score_rows": count}),
        )
        await connection.copy_records_to_table(
            "snapshot_scores", records=records, columns=["snapshot_id", *SCORE_FIELDS]
        )
    return snapshot_id


# --- Cases --------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    rows: int
    baseline_mb: float = 0.0
    sampled_peak_mb: float = 0.0
    hwm_mb: float = 0.0
    seconds: float = 0.0
    response_bytes: int = 0
    csv_header_lines: int | None = None  # a CSV export's: 1 expected
    refused: str | None = None  # an import the server refused as a whole: why

    @property
    def peak_mb(self) -> float:
        # VmHWM is the kernel's own high-water mark: it catches a peak between two samples.
        return max(self.sampled_peak_mb, self.hwm_mb)

    @property
    def growth_mb(self) -> float:
        return self.peak_mb - self.baseline_mb


class ServerForCase:
    """`observatoire serve` (one process) for one case, with a client holding the key."""

    def __init__(self, name: str, env: dict[str, str], secret: str, workdir: Path) -> None:
        port = common.free_port()
        command = [*common.observatoire_command(), "serve", "--host", common.HOST, "--port", str(port)]
        self.server = common.start_server(name, command, env, port, workdir)
        self.client = httpx.Client(
            base_url=self.server.base_url,
            headers={"Authorization": f"Bearer {secret}"},
            timeout=REQUEST_TIMEOUT,
            trust_env=False,
        )

    def __enter__(self) -> ServerForCase:
        common.wait_until_answering(self.server, "/v1/ready", timeout=60)
        # A first authenticated request: the idle baseline is that of a server that has served.
        response = self.client.get("/v1/snapshots/latest")
        if response.status_code != 200:
            raise RuntimeError(f"GET /v1/snapshots/latest: {response.status_code} {response.text[:300]}")
        return self

    def __exit__(self, *exc_info) -> None:
        self.client.close()
        common.stop_server(self.server)

    def measure(self, case: Case, action) -> Case:
        """Runs `action()` while the server's memory is sampled; the baseline is read just before."""
        pid = self.server.process.pid
        time.sleep(0.5)  # let the previous request's buffers go
        case.baseline_mb = rss_mb(pid)
        sampler = RssSampler(pid)
        sampler.phase = case.name
        sampler.start()
        started = time.perf_counter()
        try:
            case.response_bytes = action()
        finally:
            case.seconds = time.perf_counter() - started
            case.hwm_mb = sampler.hwm_mb()
            sampler.stop()
        case.sampled_peak_mb = sampler.peak_mb(case.name)
        return case


class StreamCounter:
    """Counts the occurrences of a marker in a stream of chunks (a chunk may cut one)."""

    def __init__(self, marker: bytes) -> None:
        self.marker, self.count, self._tail = marker, 0, b""

    def feed(self, chunk: bytes) -> None:
        data = self._tail + chunk
        self.count += data.count(self.marker)
        # Shorter than the marker: an occurrence is never counted twice.
        self._tail = data[len(data) - len(self.marker) + 1 :] if len(self.marker) > 1 else b""


def export(client: httpx.Client, snapshot_id: uuid.UUID, fmt: str, case: Case) -> int:
    """Reads the export to the end, streamed, counting its rows (JSON objects; CSV lines that
    are not the header): all must come. Its size in bytes; a CSV's header lines in `case`."""
    # Every JSON row starts with its first field.
    rows = StreamCounter(b"\n" if fmt == "csv" else b'{"' + SCORE_FIELDS[0].encode() + b'":')
    headers = StreamCounter(",".join(SCORE_FIELDS).encode() + b"\r\n")
    size = 0
    with client.stream("GET", f"/v1/snapshots/{snapshot_id}/export", params={"format": fmt}) as response:
        if response.status_code != 200:
            raise RuntimeError(f"export {fmt}: {response.status_code} {response.read()[:300]!r}")
        for chunk in response.iter_bytes():
            size += len(chunk)
            rows.feed(chunk)
            headers.feed(chunk)
    found = rows.count
    if fmt == "csv":
        case.csv_header_lines = headers.count
        found -= headers.count
    if found != case.rows:
        raise RuntimeError(f"export {fmt}: {found} rows, expected {case.rows}")
    return size


def import_csv(client: httpx.Client, body: bytes, case: Case) -> int:
    """POSTs the file; every line must be taken (created, or unchanged when a previous case wrote
    it), or the whole file refused with a 413 (`case.refused`: the server's bound on a file)."""
    response = client.post("/v1/observations/import", content=body, headers={"Content-Type": "text/csv"})
    if response.status_code == 413:
        case.refused = f"413 {orjson.loads(response.content)['detail']}"
        return len(body)
    if response.status_code != 200:
        raise RuntimeError(f"import: {response.status_code} {response.text[:500]}")
    result = orjson.loads(response.content)
    taken = result["created"] + result["updated"] + result["unchanged"]
    if taken != case.rows:
        raise RuntimeError(f"import: {taken} lines taken, expected {case.rows}")
    return len(body)


# --- Report -------------------------------------------------------------------------------------


def print_report(cases: list[Case]) -> None:
    print()
    print(
        f"Memory benchmark: `observatoire serve` (one process, no Redis), PostgreSQL, {os.cpu_count()} CPUs"
    )
    print(
        "  Each case on a fresh server; baseline = its RSS once it has answered one request and is idle,\n"
        "  read right before the case; peak = the larger of VmRSS sampled every "
        f"{SAMPLE_INTERVAL * 1000:.0f} ms and VmHWM."
    )
    print()
    headers = ("case", "rows", "response / body", "seconds", "idle RSS", "peak RSS", "growth")
    lines = [
        (
            case.name,
            f"{case.rows:,}",
            f"{case.response_bytes / 1e6:.1f} MB",
            f"{case.seconds:.2f}",
            f"{case.baseline_mb:.0f} MB",
            f"{case.peak_mb:.0f} MB",
            f"{case.growth_mb:+.0f} MB",
        )
        for case in cases
    ]
    if lines:
        common.print_table(headers, lines)
        print()
    by_name = {case.name: case for case in cases}
    small, large = SNAPSHOT_ROWS
    for fmt in ("json", "csv"):
        first, second = by_name.get(f"export {fmt} {small:,}"), by_name.get(f"export {fmt} {large:,}")
        if first is None or second is None:
            continue
        ratio = second.peak_mb / first.peak_mb
        print(
            f"export {fmt}: peak at {large:,} rows / peak at {small:,} rows = {ratio:.2f} "
            f"({second.peak_mb:.0f} / {first.peak_mb:.0f} MB; growth {second.growth_mb:+.0f} against "
            f"{first.growth_mb:+.0f} MB) -> {'flat' if ratio <= FLAT_RATIO else 'NOT flat'} "
            f"(flat: at most {FLAT_RATIO})"
        )
    for case in cases:
        if case.csv_header_lines not in (None, 1):
            print(
                f"note: the {case.name} export holds its header line {case.csv_header_lines} times "
                f"(once per batch of rows read, and at the end): a CSV reader takes the repeats for rows"
            )
    for lines in IMPORT_LINES:
        case = by_name.get(f"CSV import {lines:,} lines")
        if case is None:
            continue
        outcome = f"refused ({case.refused})" if case.refused else "imported"
        print(
            f"a {lines:,}-line CSV import ({case.response_bytes / 1e6:.1f} MB), {outcome}, peaks at "
            f"{case.peak_mb:.0f} MB ({case.growth_mb:+.0f} MB over the idle {case.baseline_mb:.0f} MB)"
        )


def main() -> int:
    common.arm_deadline(DEADLINE_SECONDS)
    began = time.perf_counter()
    name = f"observatoire_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    workdir = Path(tempfile.mkdtemp(prefix="observatoire-bench-export-"))
    cases: list[Case] = []
    status = 0
    try:
        common.log_machine()
        common.log(f"creating database {name}")
        url = common.create_database(name)
        env = common.server_environment(url)
        env["OBSERVATOIRE_RATE_LIMIT_REQUESTS"] = "0"  # hundreds of set-up requests in a few seconds
        common.run_cli(["migrate"], env, timeout=120)
        secret = common.run_cli(["keys", "create", "--scope", "staff", "--name", "Bench"], env, 60).stdout
        secret = secret.strip().splitlines()[-1]
        snapshots = {}
        for number, rows in enumerate(SNAPSHOT_ROWS):
            started = time.perf_counter()
            snapshots[rows] = asyncio.run(write_snapshot(url, rows, date(2026, 1 + number, 28)))
            common.log(f"snapshot of {rows:,} score rows written in {time.perf_counter() - started:.1f} s")

        for rows, snapshot_id in snapshots.items():
            for fmt in ("json", "csv"):
                case_name = f"export {fmt} {rows:,}"
                with ServerForCase(f"export-{fmt}-{rows}", env, secret, workdir) as serving:
                    case = Case(case_name, rows)
                    serving.measure(
                        case, lambda c=serving.client, s=snapshot_id, f=fmt, k=case: export(c, s, f, k)
                    )
                cases.append(case)
                common.log(f"{case_name}: peak {case.peak_mb:.0f} MB (idle {case.baseline_mb:.0f} MB)")

        indicator_ids: list[str] = []
        for lines in IMPORT_LINES:
            with ServerForCase(f"import-{lines}", env, secret, workdir) as serving:
                if not indicator_ids:
                    common.log("creating 500 indicators through the API")
                    indicator_ids = create_indicators(serving.client)
                # PERIODS monthly values per indicator: the first indicators give the lines wanted.
                chosen = indicator_ids[: lines // PERIODS]
                body = build_dataset(chosen, lines).csv_files[0]
                case = Case(f"CSV import {lines:,} lines", lines)
                serving.measure(case, lambda c=serving.client, b=body, k=case: import_csv(c, b, k))
            cases.append(case)
            common.log(
                f"{case.name}: {case.refused or 'imported'}; peak {case.peak_mb:.0f} MB "
                f"(idle {case.baseline_mb:.0f} MB)"
            )
    except Exception as exc:  # DeadlineExceeded included
        status = 1
        print(f"error: {exc}", file=sys.stderr)
        for log_file in sorted(workdir.glob("*-server.log")):
            tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-20:])
            print(f"{log_file.name} (last lines):\n{tail}", file=sys.stderr)
    finally:
        common.disarm_deadline()
        with suppress(Exception):
            common.drop_database(name)
        shutil.rmtree(workdir, ignore_errors=True)

    print_report(cases)
    common.print_run_time(began)
    return status


if __name__ == "__main__":
    sys.exit(main())
