"""Recording observations, one or ten thousand at a time, all-or-nothing.

Every item is checked against its indicator before anything is written; then new values are
inserted, changed ones updated, and each write appends a revision, in a few set-based
statements whatever the size of the batch.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import asyncpg
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.alliances.models import Alliance, AllianceCatalyst
from services.core.auth.principal import Principal
from services.core.clock import utcnow
from services.core.db import driver_connection, uses_postgresql
from services.core.errors import Conflict, Forbidden, Invalid
from services.core.ids import new_id
from services.core.indicators.models import Indicator
from services.core.models_base import table_of
from services.core.observations.models import OBSERVATION_FIELDS, Observation, ObservationRevision
from services.core.observations.service import IncomingValue
from services.core.vocabularies import IndicatorStatus, MeasureType

MAX_BATCH_ITEMS = 10_000
VALUE_FIELDS = ("value", "status", "source", "comment")
# Rows are tuples in the order of OBSERVATION_FIELDS: cheap at 10,000 rows a request.
ROW_FIELDS = OBSERVATION_FIELDS
CHANGED_FIELDS = (*VALUE_FIELDS, "revision", "recorded_at", "recorded_by")
CHANGED_POSITIONS = tuple(ROW_FIELDS.index(field) for field in CHANGED_FIELDS)


@dataclass
class IngestResult:
    created: int
    updated: int
    unchanged: int
    observations: list[dict[str, Any]]


class ItemErrors:
    """Errors of a bulk request, each pinned to its item index or CSV line."""

    def __init__(self, position_kind: Literal["index", "line", "single"]) -> None:
        self.position_kind = position_kind
        self.items: list[dict[str, Any]] = []

    def add(self, position: int, field: str | None, msg: str, code: str) -> None:
        if self.position_kind == "single":
            self.items.append({"loc": ["body", field or "period"], "msg": msg, "code": code})
            return
        head: list[str | int] = ["body", position] if self.position_kind == "index" else ["line", position]
        loc = head + ([field] if field else [])
        self.items.append({"loc": loc, "msg": msg, "code": code, self.position_kind: position})

    def raise_if_any(self) -> None:
        if self.items and self.position_kind == "single":
            raise Invalid(self.items[0]["msg"], errors=self.items)
        if self.items:
            self.items.sort(key=lambda item: item[self.position_kind])
            where = "items" if self.position_kind == "index" else "lines"
            positions = sorted({item[self.position_kind] for item in self.items})
            shown = ", ".join(str(p) for p in positions[:20]) + (", ..." if len(positions) > 20 else "")
            raise Invalid(
                f"{len(positions)} {where} rejected ({shown}); nothing was written.", errors=self.items
            )


def check_value(indicator: Indicator, value: float) -> str | None:
    """Why `value` cannot be a value of `indicator`, or None when it can."""
    if indicator.measure_type == MeasureType.ordinal:
        low, high = indicator.scale_min, indicator.scale_max
        assert low is not None and high is not None, "an ordinal indicator has both ends (rules.py)"
        if not low <= value <= high:
            return f"Outside the indicator's scale [{low:g}, {high:g}]."
    if indicator.measure_type == MeasureType.binary and value not in (0, 1):
        return "A binary indicator takes 0 or 1."
    return None


async def _writable_indicators(
    session: AsyncSession, principal: Principal, indicator_ids: set[uuid.UUID]
) -> tuple[dict[uuid.UUID, Indicator], set[uuid.UUID]]:
    """The live indicators among `indicator_ids`, and those the caller may not write."""
    rows = await session.execute(
        select(Indicator)
        .join(Alliance, col(Alliance.id) == col(Indicator.alliance_id))
        .where(col(Indicator.id).in_(indicator_ids), col(Alliance.deleted_at).is_(None))
    )
    indicators = {indicator.id: indicator for indicator in rows.scalars()}
    forbidden: set[uuid.UUID] = set()
    if not principal.is_staff:
        alliance_ids = {indicator.alliance_id for indicator in indicators.values()}
        convened = set(
            (
                await session.scalars(
                    select(col(AllianceCatalyst.alliance_id)).where(
                        col(AllianceCatalyst.alliance_id).in_(alliance_ids),
                        col(AllianceCatalyst.catalyst_id) == principal.catalyst_id,
                    )
                )
            ).all()
        )
        forbidden = {i.id for i in indicators.values() if i.alliance_id not in convened}
    return indicators, forbidden


async def _current_values(
    session: AsyncSession, values: list[IncomingValue]
) -> dict[tuple[uuid.UUID, date, date], tuple]:
    indicator_ids = {v.indicator_id for v in values}
    first = min(v.period_start for v in values)
    last = max(v.period_end for v in values)
    columns = table_of(Observation).c
    rows = await session.execute(
        select(*(columns[name] for name in ROW_FIELDS)).where(
            columns.indicator_id.in_(indicator_ids),
            columns.period_start >= first,
            columns.period_end <= last,
        )
    )
    return {(row.indicator_id, row.period_start, row.period_end): tuple(row) for row in rows}


async def ingest(
    session: AsyncSession,
    principal: Principal,
    values: list[IncomingValue],
    errors: ItemErrors,
    *,
    dry_run: bool = False,
) -> IngestResult:
    """Check every value, then record them all or none. `errors` may already hold parse errors."""
    principal.require_write()
    indicators, forbidden = await _writable_indicators(session, principal, {v.indicator_id for v in values})
    refused = sorted({v.position for v in values if v.indicator_id in forbidden})
    if refused:
        if errors.position_kind == "single":
            raise Forbidden("This key's catalyst does not convene this indicator's alliance.")
        where = "items" if errors.position_kind == "index" else "lines"
        raise Forbidden(
            f"This key's catalyst does not convene the alliance of the indicator of {where} "
            + ", ".join(str(p) for p in refused[:20])
            + "; nothing was written."
        )
    seen: dict[tuple[uuid.UUID, date, date], int] = {}
    for v in values:
        indicator = indicators.get(v.indicator_id)
        if indicator is None:
            errors.add(v.position, "indicator_id", "Unknown indicator.", "unknown_indicator")
            continue
        if indicator.status == IndicatorStatus.archived:
            errors.add(v.position, "indicator_id", "This indicator is archived.", "indicator_archived")
            continue
        problem = check_value(indicator, v.value)
        if problem:
            errors.add(v.position, "value", problem, "value_out_of_range")
        key = (v.indicator_id, v.period_start, v.period_end)
        if key in seen:
            errors.add(
                v.position,
                "period",
                f"Same indicator and period as {errors.position_kind} {seen[key]}.",
                "duplicate_period",
            )
        else:
            seen[key] = v.position
    errors.raise_if_any()
    if not values:
        return IngestResult(0, 0, 0, [])

    current = await _current_values(session, values)
    now = utcnow()
    recorded_by = principal.key_id
    new_rows: list[tuple] = []
    changed_rows: list[tuple] = []
    result_rows: list[tuple] = []
    unchanged = 0
    for v in values:
        incoming = (v.value, v.status, v.source, v.comment)
        existing = current.get((v.indicator_id, v.period_start, v.period_end))
        if existing is None:
            row = (new_id(), v.indicator_id, v.period_start, v.period_end, *incoming, 1, now, recorded_by)
            new_rows.append(row)
        elif existing[4:8] == incoming:
            unchanged += 1
            row = existing
        else:
            row = (*existing[:4], *incoming, existing[8] + 1, now, recorded_by)
            changed_rows.append(row)
        result_rows.append(row)

    if not dry_run:
        await _write(session, new_rows, changed_rows)
    return IngestResult(
        created=len(new_rows),
        updated=len(changed_rows),
        unchanged=unchanged,
        observations=[] if dry_run else [dict(zip(ROW_FIELDS, row, strict=True)) for row in result_rows],
    )


def _row_order(row: tuple) -> tuple:
    return row[1], row[2], row[3]  # indicator_id, period_start, period_end


async def _write(session: AsyncSession, new_rows: list[tuple], changed_rows: list[tuple]) -> None:
    """Insert the new values, update the corrected ones, and append a revision for each."""
    # Rows taken in one order, (indicator, period), by every request: two batches over the
    # same periods then queue behind each other instead of deadlocking.
    new_rows = sorted(new_rows, key=_row_order)
    changed_rows = sorted(changed_rows, key=_row_order)
    revisions = [*new_rows, *changed_rows]  # a revision repeats its observation's row
    revision_columns = ("observation_id", *ROW_FIELDS[1:])
    if changed_rows:
        table = table_of(Observation)
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({field: bindparam(f"b_{field}") for field in CHANGED_FIELDS}),
            [
                {"b_id": row[0]}
                | {f"b_{field}": row[i] for field, i in zip(CHANGED_FIELDS, CHANGED_POSITIONS, strict=True)}
                for row in changed_rows
            ],
        )
    if uses_postgresql(session):
        # COPY on the request's own connection: same transaction, several times faster than
        # INSERT for the thousands of rows of a batch.
        raw = await driver_connection(session)
        try:
            if new_rows:
                await raw.copy_records_to_table("observations", records=new_rows, columns=ROW_FIELDS)
            if revisions:
                await raw.copy_records_to_table(
                    "observation_revisions", records=revisions, columns=revision_columns
                )
        except asyncpg.UniqueViolationError as exc:
            # Another request recorded a value for one of these periods since we looked.
            raise Conflict(
                "Values for some of these periods were recorded at the same time by another "
                "request; nothing was written: retry."
            ) from exc
        return
    if new_rows:
        await session.execute(
            insert(table_of(Observation)), [dict(zip(ROW_FIELDS, row, strict=True)) for row in new_rows]
        )
    if revisions:
        await session.execute(
            insert(table_of(ObservationRevision)),
            [dict(zip(revision_columns, row, strict=True)) for row in revisions],
        )
