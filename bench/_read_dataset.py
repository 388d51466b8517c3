"""The read benchmark's database: the demo dataset scaled up, built once and kept (a helper).

`observatoire_bench_read` holds the demo dataset scaled to 2,000 catalysts and 20,000
alliances (clones of the demo's rows, every id new and every reference remapped) and a
published snapshot. Building it takes about a minute, so it is kept between runs and reused
when its fingerprint (this generator's version, the migrations and the demo dataset, kept as
the database's comment) and its row counts match.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import sys
import time
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass

import _common as common
import asyncpg

if str(common.ROOT) not in sys.path:
    sys.path.insert(0, str(common.ROOT))

from services.core.demo.siren import siren
from services.core.ids import new_id

DATABASE = "observatoire_bench_read"
CATALYSTS = 2_000
ALLIANCES = 20_000

AGGREGATION_TIMEOUT_SECONDS = 300
GENERATOR_VERSION = 1  # change it when the generated data changes: cached databases are rebuilt
SEED = 20261126
BATCH_ALLIANCES = 2_000  # alliances generated and copied per batch (bounds the memory used)

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


async def row_counts(url: str) -> dict[str, int]:
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
    """What the cached database was built from: this generator, the schema, the demo data.

    Its text still names bench/read.py, where the generator used to live: changing it would
    rebuild every cached database for nothing."""
    digest = hashlib.sha256(f"read.py v{GENERATOR_VERSION} {CATALYSTS} {ALLIANCES} {SEED}".encode())
    sources = sorted((common.ROOT / "migrations" / "versions").glob("*.py"))
    demo = ("demo.json", "dataset.py", "seed.py")
    sources += [common.ROOT / "services" / "core" / "demo" / name for name in demo]
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
    counts = asyncio.run(row_counts(url))
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


def prepare_database(url: str, env: dict[str, str], rebuild: bool) -> dict[str, int]:
    """The cached database if it is still valid (and `rebuild` is false), a new one otherwise;
    its row counts."""
    reuse, reason = (False, "--rebuild") if rebuild else cached_database_ok(url)
    common.log(reason)
    if not reuse:
        started = time.perf_counter()
        common.log(f"building {DATABASE}: {CATALYSTS:,} catalysts, {ALLIANCES:,} alliances")
        build_database(url, env)
        counts = asyncio.run(row_counts(url))
        common.log(f"built in {time.perf_counter() - started:.1f} s: {counts_text(counts)}")
    return asyncio.run(row_counts(url))
