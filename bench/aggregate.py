"""Benchmark: a full aggregation over 10,000 alliances × 8 indicators × 24 monthly values.

Generates the data on a fresh PostgreSQL database (COPY), then measures in the same run:
- the raw baseline: one SQL query returning the latest observation of every indicator
  (DISTINCT ON), the least any aggregation must read;
- `observatoire aggregate --wait` in its own process (the in-process runner, PostgreSQL):
  wall time of each stage (from the job record) and in total, and the process's peak RSS.
Goals: total ≤ 8× the raw query and < 60 s on 2 cores; peak RSS < 1 GB; scoring < 5 s.
The aggregation runs without explanations (OBSERVATOIRE_AGGREGATION_EXPLANATIONS=false) and
with them, alternately, `--repeat` times each: explanations may add at most 50 % to the job's
total and must keep the peak RSS under 1 GB.

    .venv/bin/python bench/aggregate.py [--alliances 10000] [--repeat 2]
"""

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import _common as common
import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.core.ids import new_id  # noqa: E402

ADMIN_URL = os.environ.get("OBSERVATOIRE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
AS_OF = date(2026, 6, 30)
MONTHS = 24
INDICATORS_PER_ALLIANCE = 8
AXES = ("performance", "innovation", "trust")


def month_periods(end: date, count: int) -> list[tuple[date, date]]:
    periods, year, month = [], end.year, end.month
    for _ in range(count):
        first = date(year, month, 1)
        last = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
        periods.append((first, last))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return periods


async def generate(url: str, n_alliances: int) -> dict:
    connection = await asyncpg.connect(url)
    random.seed(7)
    try:
        departments = [
            r["code"]
            for r in await connection.fetch("SELECT code FROM territories WHERE level = 'department'")
        ]
        now = datetime.now(UTC) - timedelta(days=1)
        n_catalysts = max(1, n_alliances // 5)
        catalysts = [new_id() for _ in range(n_catalysts)]
        await connection.copy_records_to_table(
            "catalysts",
            records=[
                (c, f"Catalyseur {i}", "association", random.choice(departments), now, now)
                for i, c in enumerate(catalysts)
            ],
            columns=["id", "name", "structure_type", "territory_code", "created_at", "updated_at"],
        )
        alliances = [new_id() for _ in range(n_alliances)]
        await connection.copy_records_to_table(
            "alliances",
            records=[
                (a, f"Alliance {i}", random.choice(departments), "prototype", "active", now, now)
                for i, a in enumerate(alliances)
            ],
            columns=["id", "name", "territory_code", "stage", "status", "created_at", "updated_at"],
        )
        await connection.copy_records_to_table(
            "alliance_catalysts",
            records=[(a, catalysts[i % n_catalysts]) for i, a in enumerate(alliances)],
            columns=["alliance_id", "catalyst_id"],
        )
        domains = ("employment", "education", "mobility", "health", "environment")
        await connection.copy_records_to_table(
            "alliance_domains",
            records=[(a, domains[i % 5]) for i, a in enumerate(alliances)],
            columns=["alliance_id", "domain"],
        )
        actor_types = ("public", "company", "association", "academic", "citizen")
        organisations = [
            (new_id(), f"Organisation {i}", actor_types[i % 5], now, now) for i in range(n_alliances * 3)
        ]
        await connection.copy_records_to_table(
            "organisations",
            records=organisations,
            columns=["id", "name", "actor_type", "created_at", "updated_at"],
        )
        await connection.copy_records_to_table(
            "alliance_members",
            records=[
                (new_id(), alliances[i // 3], o[0], "member", date(2020, 1, 1), now, now)
                for i, o in enumerate(organisations)
            ],
            columns=["id", "alliance_id", "organisation_id", "role", "joined_on", "created_at", "updated_at"],
        )
        indicators, revisions = [], []
        for alliance in alliances:
            for k in range(INDICATORS_PER_ALLIANCE):
                indicator = new_id()
                kind = k % 4
                fields = {
                    0: ("quantity", None, None, 10.0, 50.0),
                    1: ("percentage", None, None, None, None),
                    2: ("ordinal", 1.0, 5.0, None, None),
                    3: ("binary", None, None, None, None),
                }[kind]
                row = (
                    indicator,
                    alliance,
                    f"I{k}",
                    f"Indicateur {k}",
                    "Méthode",
                    fields[0],
                    fields[1],
                    fields[2],
                    "increase",
                    fields[3],
                    fields[4],
                    AXES[k % 3],
                    1.0,
                    "active",
                )
                indicators.append((*row, 1, now, now))
                revisions.append((*row, 1, now))
        definition_columns = [
            "code",
            "name",
            "calculation_method",
            "measure_type",
            "scale_min",
            "scale_max",
            "direction",
            "baseline_value",
            "target_value",
            "axis",
            "weight",
            "status",
        ]
        await connection.copy_records_to_table(
            "indicators",
            records=indicators,
            columns=["id", "alliance_id", *definition_columns, "revision", "created_at", "updated_at"],
        )
        await connection.copy_records_to_table(
            "indicator_revisions",
            records=[(r[0], r[1], *r[2:]) for r in revisions],
            columns=["indicator_id", "alliance_id", *definition_columns, "revision", "recorded_at"],
        )
        periods = month_periods(AS_OF, MONTHS)
        values = {
            "quantity": lambda: random.uniform(0, 60),
            "percentage": lambda: random.uniform(0, 100),
            "ordinal": lambda: float(random.randint(1, 5)),
            "binary": lambda: float(random.randint(0, 1)),
        }
        observations, observation_revisions = [], []
        for indicator in indicators:
            make = values[indicator[5]]
            for start, end in periods:
                observation = new_id()
                value = make()
                observations.append((observation, indicator[0], start, end, value, "final", 1, now))
                observation_revisions.append((observation, indicator[0], start, end, value, "final", 1, now))
        columns = ["indicator_id", "period_start", "period_end", "value", "status", "revision", "recorded_at"]
        await connection.copy_records_to_table("observations", records=observations, columns=["id", *columns])
        await connection.copy_records_to_table(
            "observation_revisions", records=observation_revisions, columns=["observation_id", *columns]
        )
        await connection.execute("ANALYZE")
        return {"alliances": n_alliances, "indicators": len(indicators), "observations": len(observations)}
    finally:
        await connection.close()


async def raw_baseline(url: str) -> float:
    """The least any aggregation must do: read the latest value of every indicator."""
    connection = await asyncpg.connect(url)
    try:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            rows = await connection.fetch(
                "SELECT DISTINCT ON (indicator_id) indicator_id, period_end, value "
                "FROM observation_revisions WHERE recorded_at <= now() AND period_end <= $1 "
                "ORDER BY indicator_id, period_end DESC, recorded_at DESC",
                AS_OF,
            )
            best = min(best, time.perf_counter() - started)
        assert rows
        return best
    finally:
        await connection.close()


class PeakRss(threading.Thread):
    """Samples a process's resident memory every 50 ms (from /proc)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            try:
                for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                    if line.startswith(("VmRSS:", "VmHWM:")):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            except (FileNotFoundError, ProcessLookupError):
                return
            time.sleep(0.05)


def aggregate(cli: list[str], env: dict, url: str) -> dict:
    """One `observatoire aggregate --wait` in its own process: the job's timings and peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [*cli, "aggregate", "--as-of", AS_OF.isoformat(), "--wait"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    sampler = PeakRss(process.pid)
    sampler.start()
    process.wait(timeout=600)
    wall = time.perf_counter() - started
    sampler.running = False
    job = asyncio.run(common.latest_aggregation_job(url))
    timings = json.loads(job["timings"]) if isinstance(job["timings"], str) else (job["timings"] or {})
    return {
        "job": job,
        "timings": timings,
        "total": (job["finished_at"] - job["started_at"]).total_seconds(),
        "wall": wall,
        "peak_mb": sampler.peak_kb / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alliances", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each variant, alternately")
    args = parser.parse_args()
    name = f"observatoire_bench_{uuid.uuid4().hex[:8]}"
    url = common.create_database(name, ADMIN_URL)
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    cli = [sys.executable, "-m", "services.cli"]
    try:
        subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        started = time.perf_counter()
        sizes = asyncio.run(generate(url, args.alliances))
        print(f"generated {sizes} in {time.perf_counter() - started:.1f} s")
        baseline = asyncio.run(raw_baseline(url))

        runs: dict[bool, list[dict]] = {False: [], True: []}
        for _ in range(args.repeat):
            for explain in (False, True):
                variant = {**env, "OBSERVATOIRE_AGGREGATION_EXPLANATIONS": "true" if explain else "false"}
                runs[explain].append(aggregate(cli, variant, url))
        for explain in (False, True):
            label = "with explanations" if explain else "without explanations"
            best = min(runs[explain], key=lambda run: run["total"])
            totals = ", ".join(f"{run['total']:.2f}" for run in runs[explain])
            peaks = ", ".join(f"{run['peak_mb']:.0f}" for run in runs[explain])
            print(
                f"\nAggregation {label} of {sizes['alliances']:,} alliances, {sizes['indicators']:,} "
                f"indicators, {sizes['observations']:,} observations (job {best['job']['status']})"
            )
            print(f"{'stage':<28}{'seconds':>10}")
            for stage, seconds in best["timings"].items():
                print(f"{stage:<28}{seconds:>10.2f}")
            print(f"{'job total (start→publish)':<28}{best['total']:>10.2f}   (runs: {totals})")
            print(f"{'command wall time':<28}{best['wall']:>10.2f}")
            peak = max(run["peak_mb"] for run in runs[explain])
            print(f"{'peak RSS (MB)':<28}{peak:>10.0f}   (runs: {peaks})")
        print(f"{'raw DISTINCT ON query':<28}{baseline:>10.2f}")
        without = min(run["total"] for run in runs[False])
        total = min(run["total"] for run in runs[True])
        peak_mb = max(run["peak_mb"] for run in runs[True])
        timings = min(runs[True], key=lambda run: run["total"])["timings"]
        ratio = total / baseline
        print(
            f"\nratio job total (with explanations) / raw query: {ratio:.1f}x   "
            f"with / without explanations: {total / without:.2f}x   "
            f"peak RSS with explanations: {peak_mb:.0f} MB"
        )
        goals = [
            ("total <= 8x raw query", ratio <= 8),
            ("total < 60 s", total < 60),
            ("peak RSS < 1 GB", peak_mb < 1024),
            ("scoring < 5 s", timings.get("scoring", 1e9) < 5),
            ("explanations add <= 50 % to the total", total <= 1.5 * without),
        ]
        for label, met in goals:
            print(f"{'GOAL MET   ' if met else 'GOAL MISSED'} {label}")
    finally:
        common.drop_database(name, ADMIN_URL)


if __name__ == "__main__":
    main()
