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

The database `observatoire_bench_read` is kept between runs (building it takes about a
minute) and reused when its fingerprint (this generator's version, the migrations and the
demo dataset) and its row counts match; `--rebuild` forces a new one, `--drop` drops it at
the end. The script exits 0 whether or not the goals are met; it exits non-zero only when
the benchmark could not run.

Run: `make bench`, or `.venv/bin/python bench/read.py [--rebuild] [--py-spy DIR]`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import _common as common
import asyncpg
import httpx

if str(common.ROOT) not in sys.path:
    sys.path.insert(0, str(common.ROOT))

from services.core.auth.service import hash_key
from services.core.demo.data import siren
from services.core.ids import new_id

REDIS_URL = os.environ.get("OBSERVATOIRE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE = "observatoire_bench_read"

CATALYSTS = 2_000
ALLIANCES = 20_000
WORKERS = 2
CONNECTIONS = 64
WARMUP_SECONDS = 2.0
MEASURE_SECONDS = 10.0
# The production configuration rate-limits every request through Redis: the limiter stays on,
# with a limit no run can reach, so that its cost is measured and no request is refused.
RATE_LIMIT_REQUESTS = 1_000_000_000
RATE_LIMIT_WINDOW_SECONDS = 60

GOAL_RATIO = 0.35
GOAL_P99_MS = 100.0

DEADLINE_SECONDS = 900  # the whole run, a database build included
AGGREGATION_TIMEOUT_SECONDS = 300
GENERATOR_VERSION = 1  # change it when the generated data changes: cached databases are rebuilt
SEED = 20261126
BATCH_ALLIANCES = 2_000  # alliances generated and copied per batch (bounds the memory used)


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


# --- The scaled demo dataset --------------------------------------------------------------------

# Tables whose rows get a new UUID when cloned; a reference to one of them is remapped.
REMAPPED = ("catalysts", "organisations", "alliances", "alliance_members", "indicators", "observations")
# References that no foreign key declares (the revision's indicator is checked through its
# observation): remapped all the same.
UNDECLARED_REFERENCES = {"observation_revisions": {"indicator_id": "indicators"}}
# In the order they are copied (parents first).
CATALYST_TABLES = ("catalysts", "catalyst_trades")
ALLIANCE_TABLES = (
    "organisations",
    "alliances",
    "alliance_catalysts",
    "alliance_domains",
    "alliance_sdgs",
    "alliance_members",
    "indicators",
    "indicator_revisions",
    "observations",
    "observation_revisions",
)


class Table:
    """A table's columns (serial ids left out: the database numbers new rows) and the rows of
    the current batch."""

    def __init__(self, name: str, columns: list[str], references: dict[str, str]) -> None:
        self.name = name
        self.columns = columns
        self.id_position = columns.index("id") if name in REMAPPED else None
        self.reference_positions = [i for i, c in enumerate(columns) if references.get(c) in REMAPPED]
        self.rows: list[list] = []

    def position(self, column: str) -> int:
        return self.columns.index(column)

    def clone(self, template: tuple, mapping: dict) -> list:
        """A copy of a template row with a new id and its references remapped (`mapping`:
        template id -> clone id, filled as parents are cloned)."""
        row = list(template)
        if self.id_position is not None:
            row[self.id_position] = mapping[template[self.id_position]] = new_id()
        for i in self.reference_positions:
            value = row[i]
            if value is not None:
                row[i] = mapping.get(value, value)
        self.rows.append(row)
        return row

    async def copy(self, connection: asyncpg.Connection) -> int:
        count = len(self.rows)
        if count:
            await connection.copy_records_to_table(
                self.name, records=[tuple(row) for row in self.rows], columns=self.columns
            )
        self.rows = []
        return count


async def load_tables(connection: asyncpg.Connection) -> dict[str, Table]:
    names = list(CATALYST_TABLES + ALLIANCE_TABLES)
    columns: dict[str, list[str]] = defaultdict(list)
    for row in await connection.fetch(
        "SELECT table_name, column_name, column_default FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = any($1::text[]) "
        "ORDER BY table_name, ordinal_position",
        names,
    ):
        if not (row["column_default"] or "").startswith("nextval("):
            columns[row["table_name"]].append(row["column_name"])
    references: dict[str, dict[str, str]] = defaultdict(dict)
    for row in await connection.fetch(
        "SELECT c.conrelid::regclass::text AS table_name, a.attname AS column_name, "
        "c.confrelid::regclass::text AS referenced "
        "FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND cardinality(c.conkey) = 1"
    ):
        references[row["table_name"]][row["column_name"]] = row["referenced"]
    for table, extra in UNDECLARED_REFERENCES.items():
        references[table].update(extra)
    return {name: Table(name, columns[name], references[name]) for name in names}


async def check_references(connection: asyncpg.Connection) -> None:
    """Every reference of the copied tables, declared or not, points at an existing row."""
    references = [
        (r["table_name"], r["column_name"], r["referenced"], r["referenced_column"])
        for r in await connection.fetch(
            "SELECT c.conrelid::regclass::text AS table_name, a.attname AS column_name, "
            "c.confrelid::regclass::text AS referenced, r.attname AS referenced_column "
            "FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1] "
            "WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.conrelid::regclass::text = any($1)",
            list(CATALYST_TABLES + ALLIANCE_TABLES),
        )
    ]
    references += [
        (table, column, referenced, "id")
        for table, extra in UNDECLARED_REFERENCES.items()
        for column, referenced in extra.items()
    ]
    for table, column, referenced, referenced_column in references:
        dangling = await connection.fetchval(
            f'SELECT count(*) FROM {table} t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM {referenced} r WHERE r."{referenced_column}" = t."{column}")'
        )
        if dangling:
            raise RuntimeError(f"{dangling} rows of {table}.{column} point at no {referenced} row")


async def fetch_templates(connection: asyncpg.Connection, table: Table) -> list[tuple]:
    columns = ", ".join(f'"{c}"' for c in table.columns)
    order = " ORDER BY id" if table.id_position is not None else ""
    return [tuple(r) for r in await connection.fetch(f"SELECT {columns} FROM {table.name}{order}")]


@dataclass
class AllianceTemplate:
    """A demo alliance and everything that hangs from it."""

    alliance: tuple
    catalyst_ids: list
    rows: dict[str, list[tuple]]


async def scale_demo(url: str) -> dict[str, int]:
    """Clone the demo's catalysts and alliances (with their organisations, members, indicators,
    observations and revisions) until there are CATALYSTS and ALLIANCES; COPY, in batches."""
    rng = random.Random(SEED)
    connection = await asyncpg.connect(url, timeout=10)
    try:
        # Foreign keys are not checked row by row during the COPY (it halves its time): every
        # one of them is checked once, at the end (check_references).
        with suppress(asyncpg.InsufficientPrivilegeError):
            await connection.execute("SET session_replication_role = replica")
        tables = await load_tables(connection)
        templates = {name: await fetch_templates(connection, table) for name, table in tables.items()}
        departments = [
            r["code"]
            for r in await connection.fetch(
                "SELECT code FROM territories WHERE level = 'department' ORDER BY code"
            )
        ]
        if not templates["catalysts"] or not templates["alliances"]:
            raise RuntimeError("no demo catalyst or alliance to scale: did `observatoire seed-demo` run?")
        catalyst_count = await connection.fetchval("SELECT count(*) FROM catalysts WHERE deleted_at IS NULL")
        alliance_count = await connection.fetchval("SELECT count(*) FROM alliances WHERE deleted_at IS NULL")
        copied: dict[str, int] = defaultdict(int)

        # Catalysts: each demo catalyst in turn, in a department drawn at random.
        catalysts, trades = tables["catalysts"], tables["catalyst_trades"]
        trades_of = defaultdict(list)
        for row in templates["catalyst_trades"]:
            trades_of[row[trades.position("catalyst_id")]].append(row)
        name_at, territory_at = catalysts.position("name"), catalysts.position("territory_code")
        new_catalysts, territory_of = [], {}
        for n in range(CATALYSTS - catalyst_count):
            template = templates["catalysts"][n % len(templates["catalysts"])]
            mapping: dict = {}
            row = catalysts.clone(template, mapping)
            row[name_at] = f"{template[name_at]} {n + 1}"
            row[territory_at] = rng.choice(departments)
            new_catalysts.append(row[catalysts.id_position])
            territory_of[row[catalysts.id_position]] = row[territory_at]
            for trade in trades_of[template[catalysts.id_position]]:
                trades.clone(trade, mapping)
        async with connection.transaction():
            for name in CATALYST_TABLES:
                copied[name] += await tables[name].copy(connection)

        # Alliances: each demo alliance in turn, with everything that hangs from it.
        alliance_templates = group_by_alliance(tables, templates)
        organisations, alliances = tables["organisations"], tables["alliances"]
        org_name_at, siren_at = organisations.position("name"), organisations.position("siren")
        alliance_name_at = alliances.position("name")
        alliance_territory_at = alliances.position("territory_code")
        indicators = tables["indicators"]
        measure_type_at = indicators.position("measure_type")
        value_columns = {
            name: (tables[name].position("value"), tables[name].position("indicator_id"))
            for name in ("observations", "observation_revisions")
        }
        clones = ALLIANCES - alliance_count
        sirens = 0
        for start in range(0, clones, BATCH_ALLIANCES):
            for n in range(start, min(start + BATCH_ALLIANCES, clones)):
                template = alliance_templates[n % len(alliance_templates)]
                mapping = {}
                chosen = []
                for m, catalyst_id in enumerate(template.catalyst_ids):
                    step = 0
                    while True:
                        candidate = new_catalysts[(n + 997 * m + step) % len(new_catalysts)]
                        if candidate not in chosen:
                            break
                        step += 1
                    chosen.append(candidate)
                    mapping[catalyst_id] = candidate
                for template_row in template.rows["organisations"]:
                    row = organisations.clone(template_row, mapping)
                    row[org_name_at] = f"{template_row[org_name_at]} {n + 1}"
                    if row[siren_at] is not None:
                        sirens += 1
                        row[siren_at] = siren(f"{60_000_000 + sirens:08d}")
                row = alliances.clone(template.alliance, mapping)
                row[alliance_name_at] = f"{template.alliance[alliance_name_at]} {n + 1}"
                # Convened on the territory of its (first) catalyst.
                row[alliance_territory_at] = territory_of[chosen[0]]
                for name in ALLIANCE_TABLES[2:8]:
                    for template_row in template.rows[name]:
                        tables[name].clone(template_row, mapping)
                # Quantities vary from one copy to the next (a factor per indicator), so that
                # the scores and their distributions are not those of nine alliances repeated.
                factors = {
                    indicator[indicators.id_position]: rng.uniform(0.6, 1.4)
                    for indicator in template.rows["indicators"]
                    if indicator[measure_type_at] == "quantity"
                }
                for name in ("observations", "observation_revisions"):
                    value_at, indicator_at = value_columns[name]
                    for template_row in template.rows[name]:
                        row = tables[name].clone(template_row, mapping)
                        factor = factors.get(template_row[indicator_at])
                        if factor is not None:
                            value = template_row[value_at]
                            row[value_at] = (
                                round(value * factor) if value == int(value) else round(value * factor, 2)
                            )
            async with connection.transaction():
                for name in ALLIANCE_TABLES:
                    copied[name] += await tables[name].copy(connection)
            common.log(f"  {min(start + BATCH_ALLIANCES, clones):,} / {clones:,} alliances copied")
        await check_references(connection)
        return dict(copied)
    finally:
        await connection.close()


def group_by_alliance(tables: dict[str, Table], templates: dict[str, list[tuple]]) -> list[AllianceTemplate]:
    alliances = tables["alliances"]
    deleted_at = alliances.position("deleted_at")
    result: dict = {}
    for row in templates["alliances"]:
        if row[deleted_at] is None:
            result[row[alliances.id_position]] = AllianceTemplate(row, [], defaultdict(list))
    indicator_alliance = {}
    indicators = tables["indicators"]
    for row in templates["indicators"]:
        indicator_alliance[row[indicators.id_position]] = row[indicators.position("alliance_id")]
    for name in ALLIANCE_TABLES[2:8]:
        at = tables[name].position("alliance_id")
        for row in templates[name]:
            if row[at] in result:
                result[row[at]].rows[name].append(row)
    for name in ("observations", "observation_revisions"):
        at = tables[name].position("indicator_id")
        for row in templates[name]:
            alliance_id = indicator_alliance.get(row[at])
            if alliance_id in result:
                result[alliance_id].rows[name].append(row)
    organisation_rows = {row[tables["organisations"].id_position]: row for row in templates["organisations"]}
    catalyst_at = tables["alliance_catalysts"].position("catalyst_id")
    organisation_at = tables["alliance_members"].position("organisation_id")
    for template in result.values():
        template.catalyst_ids = [row[catalyst_at] for row in template.rows["alliance_catalysts"]]
        members_of = {row[organisation_at] for row in template.rows["alliance_members"]}
        template.rows["organisations"] = [organisation_rows[o] for o in sorted(members_of)]
    return list(result.values())


# --- Database -----------------------------------------------------------------------------------


COUNTED_TABLES = (
    "catalysts",
    "organisations",
    "alliances",
    "alliance_members",
    "indicators",
    "observations",
    "observation_revisions",
    "snapshots",
    "snapshot_scores",
)


async def _counts(url: str) -> dict[str, int]:
    async with common.connected(url) as connection:
        counts = {}
        for table in COUNTED_TABLES:
            live = " WHERE deleted_at IS NULL" if table in ("catalysts", "alliances") else ""
            counts[table] = await connection.fetchval(f"SELECT count(*) FROM {table}{live}")
        counts["outbox pending"] = await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL"
        )
        return counts


def fingerprint() -> str:
    """What the cached database was built from: this generator, the schema, the demo data."""
    digest = hashlib.sha256(f"read.py v{GENERATOR_VERSION} {CATALYSTS} {ALLIANCES} {SEED}".encode())
    sources = sorted((common.ROOT / "migrations" / "versions").glob("*.py"))
    sources += [common.ROOT / "services" / "core" / "demo" / name for name in ("data.py", "seed.py")]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"bench/read.py {digest.hexdigest()[:16]}"


def cached_database_ok(url: str) -> tuple[bool, str]:
    exists = asyncio.run(
        common.fetchval(common.ADMIN_URL, "SELECT 1 FROM pg_database WHERE datname = $1", DATABASE)
    )
    if not exists:
        return False, "no cached database"
    comment = asyncio.run(
        common.fetchval(
            common.ADMIN_URL,
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            DATABASE,
        )
    )
    if comment != fingerprint():
        return False, "the cached database was built from other migrations, demo data or generator"
    counts = asyncio.run(_counts(url))
    if counts["catalysts"] != CATALYSTS or counts["alliances"] != ALLIANCES or not counts["snapshots"]:
        return False, f"the cached database holds other data ({counts})"
    return True, f"reusing the cached database {DATABASE} ({counts_text(counts)})"


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {name}" for name, n in counts.items())


def build_database(url: str, env: dict[str, str]) -> dict[str, float]:
    """A fresh database: migrate, seed the demo, scale it, VACUUM ANALYZE, aggregate."""
    timings = {}
    common.drop_database(DATABASE)
    common.create_database(DATABASE)
    started = time.perf_counter()
    common.run_cli(["migrate"], env, timeout=120)
    common.run_cli(["seed-demo"], env, timeout=120)
    timings["migrate + seed-demo"] = time.perf_counter() - started
    common.log(f"migrated and seeded the demo in {timings['migrate + seed-demo']:.1f} s; scaling it")

    started = time.perf_counter()
    copied = asyncio.run(scale_demo(url))
    timings["scaling (COPY)"] = time.perf_counter() - started
    common.log(f"copied {counts_text(copied)} in {timings['scaling (COPY)']:.1f} s")

    started = time.perf_counter()
    # As autovacuum would have left a production database: statistics and visibility maps.
    asyncio.run(common.execute(url, "VACUUM (ANALYZE)"))
    timings["VACUUM ANALYZE"] = time.perf_counter() - started

    # No REDIS_URL: the command runs the job in its own process.
    common.log("aggregating (observatoire aggregate --wait, in-process)")
    started = time.perf_counter()
    common.run_cli(["aggregate", "--wait"], env, timeout=AGGREGATION_TIMEOUT_SECONDS)
    timings["aggregation (command)"] = time.perf_counter() - started
    job = asyncio.run(common.latest_aggregation_job(url))
    if job is None or job["status"] != "succeeded":
        raise RuntimeError(f"the aggregation did not succeed: {dict(job) if job else None}")
    stages = json.loads(job["timings"]) if isinstance(job["timings"], str) else (job["timings"] or {})
    total = (job["finished_at"] - job["started_at"]).total_seconds()
    common.log(
        f"aggregation: {total:.1f} s in the job ("
        + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in stages.items())
        + f"); {timings['aggregation (command)']:.1f} s for the command"
    )
    asyncio.run(common.execute(url, "VACUUM (ANALYZE) snapshot_scores"))
    asyncio.run(common.execute(common.ADMIN_URL, f"COMMENT ON DATABASE \"{DATABASE}\" IS '{fingerprint()}'"))
    return timings


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


@dataclass
class Run:
    endpoint: Endpoint
    server: str
    result: dict

    @property
    def rate(self) -> float:
        return self.result["requests"] / self.result["seconds"]

    def latency_ms(self, key: str) -> float:
        value = self.result["latency_us"][key]
        return value / 1000 if value is not None else float("nan")

    @property
    def failures(self) -> int:
        statuses = self.result["statuses"]
        return sum(n for code, n in statuses.items() if code != "200") + sum(self.result["errors"].values())

    def cpu_per_request_us(self, label: str) -> float:
        """CPU per request of the watched processes (never below 0: a process that exits
        during the run takes its CPU time with it)."""
        requests = self.result["requests"]
        seconds = max(self.result["watched_cpu_seconds"].get(label, 0.0), 0.0)
        return seconds / requests * 1e6 if requests else 0.0

    @property
    def generator_cpu_share(self) -> float:
        return self.result["cpu_seconds"] / self.result["seconds"]

    @property
    def other_cpu_seconds(self) -> float:
        """Machine CPU not spent by the server, the generator or PostgreSQL: other work."""
        cpu = self.result["watched_cpu_seconds"]
        return cpu["machine busy"] - cpu["server"] - cpu["postgres"] - self.result["cpu_seconds"]


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
        f"postgres= {DATABASE} ",
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
    return Run(endpoint, server.name, json.loads(result.stdout))


# --- Report -------------------------------------------------------------------------------------


def print_runs(runs: dict[tuple[str, str], Run]) -> None:
    headers = (
        "endpoint",
        "server",
        "req/s",
        "p50 ms",
        "p99 ms",
        "ratio",
        "non-200",
        "response bytes",
        "server CPU µs/req",
        "PostgreSQL CPU µs/req",
        "generator CPU",
        "other CPU",
    )
    lines = []
    for endpoint in ENDPOINTS:
        bare = runs.get((endpoint.name, "bare"))
        for server in ("real", "bare"):
            run = runs.get((endpoint.name, server))
            if run is None:
                continue
            ratio = f"{run.rate / bare.rate:.3f}" if bare else "-"
            requests = run.result["requests"]
            lines.append(
                (
                    endpoint.path if server == "real" else "",
                    server,
                    f"{run.rate:,.0f}",
                    f"{run.latency_ms('p50'):.1f}",
                    f"{run.latency_ms('p99'):.1f}",
                    ratio,
                    str(run.failures),
                    f"{run.result['bytes'] / requests:,.0f}" if requests else "-",
                    f"{run.cpu_per_request_us('server'):,.0f}",
                    f"{run.cpu_per_request_us('postgres'):,.0f}",
                    f"{run.generator_cpu_share:.0%}",
                    f"{run.other_cpu_seconds / run.result['seconds']:.0%}",
                )
            )
    common.print_table(headers, lines)


def print_report(args: argparse.Namespace, runs: dict[tuple[str, str], Run]) -> None:
    """What was measured, the table of runs and the verdict on each goal."""
    print()
    print(
        f"Read benchmark: {CATALYSTS:,} catalysts, {ALLIANCES:,} alliances, PostgreSQL; "
        f"`observatoire serve --workers {WORKERS}` "
        + ("with REDIS_URL" if not args.no_redis else "without REDIS_URL")
        + (", no rate limiter" if args.no_rate_limit else f", rate limit {RATE_LIMIT_REQUESTS:,} per window")
    )
    print(
        f"  {args.connections} keep-alive connections on loopback, {args.warmup:g} s warm-up then "
        f"{args.duration:g} s measured per run; ratio = real req/s / bare req/s on the same endpoint."
    )
    print(
        "  CPU per request: the server's processes, and the PostgreSQL backends of the database;\n"
        "  generator and other CPU: share of one core used by the load generator and by anything\n"
        "  else on the machine (other work there slows both servers and skews the ratios)."
    )
    if args.py_spy:
        print("  py-spy was attached to the real server: its figures are slowed, don't use them.")
    print()
    if runs:
        print_runs(runs)
        print()
    for endpoint in ENDPOINTS:
        real_run, bare_run = runs.get((endpoint.name, "real")), runs.get((endpoint.name, "bare"))
        if real_run is None or bare_run is None:
            continue
        ratio = real_run.rate / bare_run.rate
        p99 = real_run.latency_ms("p99")
        valid = "" if not real_run.failures else f" ({real_run.failures} requests failed: run not valid)"
        print(
            f"{common.verdict(ratio >= GOAL_RATIO and not real_run.failures)}: {endpoint.path} "
            f"at {ratio:.3f} x the bare app's throughput, goal >= {GOAL_RATIO}{valid}"
        )
        print(
            f"{common.verdict(p99 < GOAL_P99_MS)}: {endpoint.path} p99 {p99:.1f} ms, "
            f"goal < {GOAL_P99_MS:g} ms"
        )
    # Throughput ratios move with whatever else runs on the machine; CPU per request much less.
    for endpoint in ENDPOINTS:
        real_run, bare_run = runs.get((endpoint.name, "real")), runs.get((endpoint.name, "bare"))
        if real_run is None or bare_run is None or not real_run.result["requests"]:
            continue
        real_cpu = real_run.cpu_per_request_us("server") + real_run.cpu_per_request_us("postgres")
        bare_cpu = bare_run.cpu_per_request_us("server") + bare_run.cpu_per_request_us("postgres")
        print(
            f"CPU per request (server + PostgreSQL), {endpoint.path}: real {real_cpu:,.0f} µs, "
            f"bare {bare_cpu:,.0f} µs: bare / real = {bare_cpu / real_cpu:.3f}"
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

    url = common.database_url(DATABASE)
    servers: list[common.Server] = []
    runs: dict[tuple[str, str], Run] = {}
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
        reuse, reason = (False, "--rebuild") if args.rebuild else cached_database_ok(url)
        common.log(reason)
        if not reuse:
            started = time.perf_counter()
            common.log(f"building {DATABASE}: {CATALYSTS:,} catalysts, {ALLIANCES:,} alliances")
            build_database(url, env)
            counts = asyncio.run(_counts(url))
            common.log(f"built in {time.perf_counter() - started:.1f} s: {counts_text(counts)}")
        counts = asyncio.run(_counts(url))
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
                runs[(endpoint.name, server.name)] = run
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
                common.drop_database(DATABASE)
        shutil.rmtree(workdir, ignore_errors=True)

    print_report(args, runs)
    common.print_run_time(began)
    return status


if __name__ == "__main__":
    sys.exit(main())
