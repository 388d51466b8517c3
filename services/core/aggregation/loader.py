"""Loading what a snapshot reads, as arrays, in a few set-based queries.

Everything is read "as known at K": definitions and values recorded after K are ignored,
so that a job started at K computes the same result whenever it is re-run.
"""

import asyncio
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from services.core.aggregation.explanation_inputs import (
    ExplanationExtras,
    GroupKey,
    load_explanation_extras,
    values_outside,
)
from services.core.aggregation.observation_arrays import (
    ObservationDetails,
    day_number,
    instant_number,
    load_observations_with_details,
)
from services.core.alliances.models import Alliance, AllianceCatalyst, AllianceDomain, AllianceMember
from services.core.db import driver_connection, uses_postgresql
from services.core.indicators.models import IndicatorRevision
from services.core.models_base import table_of
from services.core.observations.models import ObservationRevision
from services.core.organisations.models import Organisation
from services.core.scoring.config import AXES, MethodologyConfig
from services.core.scoring.explain import ExplanationInput
from services.core.scoring.normalise import MEASURE_CODES, IndicatorRules
from services.core.scoring.pipeline import OPEN_END, OPEN_START, Groups, Observations, ScoringInput
from services.core.territories.models import Territory
from services.core.vocabularies import Direction, IndicatorStatus

AXIS_INDEX = {axis: index for index, axis in enumerate(AXES)}

# An alliance counted at T: its id, territory, start and end dates.
CountedAlliance = Row[uuid.UUID, str, date | None, date | None]


class Definition(NamedTuple):
    """The scoring fields of an indicator's revision (columns of indicator_revisions)."""

    indicator_id: uuid.UUID
    alliance_id: uuid.UUID
    status: str
    measure_type: str
    direction: str
    scale_min: float | None
    scale_max: float | None
    baseline_value: float | None
    target_value: float | None
    worst: float | None
    best: float | None
    axis: str
    weight: float
    code: str
    name: str


SCORING_FIELDS = Definition._fields


@dataclass
class LoadedInput:
    scoring: ScoringInput
    watermark: dict[str, Any]
    counts: dict[str, int]


def _nan(value: float | None) -> float:
    return np.nan if value is None else float(value)


# The dates tell the trend's earlier side which alliances counted a year before (section 1).
_ALLIANCE_COLUMNS = (
    col(Alliance.id),
    col(Alliance.territory_code),
    col(Alliance.started_on),
    col(Alliance.ended_on),
)


async def _counted_alliances(
    session: AsyncSession, as_of: date, known_at: datetime, only: frozenset[str] | None = None
) -> Sequence[CountedAlliance]:
    if only is not None:
        # Exactly these alliances (a preview: its snapshot's), whatever their rows say now: their
        # dates may have been edited since. Filtered here rather than in SQL, where tens of
        # thousands of ids would exceed the drivers' limit on parameters.
        everyone = (await session.execute(select(*_ALLIANCE_COLUMNS).order_by(col(Alliance.id)))).all()
        return [row for row in everyone if str(row.id) in only]
    statement = (
        select(*_ALLIANCE_COLUMNS)
        .where(
            col(Alliance.created_at) <= known_at,
            or_(col(Alliance.deleted_at).is_(None), col(Alliance.deleted_at) > known_at),
            or_(col(Alliance.started_on).is_(None), col(Alliance.started_on) <= as_of),
            or_(col(Alliance.ended_on).is_(None), col(Alliance.ended_on) >= as_of),
        )
        .order_by(col(Alliance.id))
    )
    return (await session.execute(statement)).all()


async def _indicators_at(session: AsyncSession, known_at: datetime) -> list[Definition]:
    """The scoring fields of the latest revision of each indicator recorded at or before K."""
    revisions = table_of(IndicatorRevision).c
    if uses_postgresql(session):
        # Tens of thousands of rows: straight from the driver, without per-value conversions.
        raw = await driver_connection(session)
        records = await raw.fetch(
            f"SELECT DISTINCT ON (indicator_id) {', '.join(SCORING_FIELDS)} FROM indicator_revisions "
            "WHERE recorded_at <= $1 ORDER BY indicator_id, revision DESC",
            known_at,
        )
        return [Definition._make(record) for record in records]
    latest = (
        select(revisions.indicator_id, func.max(revisions.revision).label("revision"))
        .where(revisions.recorded_at <= known_at)
        .group_by(revisions.indicator_id)
        .subquery()
    )
    statement = (
        select(*(revisions[name] for name in SCORING_FIELDS))
        .join(
            latest,
            and_(revisions.indicator_id == latest.c.indicator_id, revisions.revision == latest.c.revision),
        )
        .order_by(revisions.indicator_id)
    )
    return [Definition._make(row) for row in (await session.execute(statement)).all()]


async def _memberships(
    session: AsyncSession, alliance_index: dict[uuid.UUID, int], as_of: date
) -> dict[GroupKey, set[int]]:
    """(subject_type, subject_id) → alliance indexes, for the six kinds of group."""
    groups: dict[GroupKey, set[int]] = {}

    def add(kind: str, subject: str | None, alliance: int) -> None:
        groups.setdefault((kind, subject), set()).add(alliance)

    for alliance_id, catalyst_id in (
        await session.execute(select(col(AllianceCatalyst.alliance_id), col(AllianceCatalyst.catalyst_id)))
    ).all():
        if alliance_id in alliance_index:
            add("catalyst", str(catalyst_id), alliance_index[alliance_id])
    for alliance_id, domain in (
        await session.execute(select(col(AllianceDomain.alliance_id), col(AllianceDomain.domain)))
    ).all():
        if alliance_id in alliance_index:
            add("domain", domain, alliance_index[alliance_id])
    members = (
        select(col(AllianceMember.alliance_id), col(Organisation.actor_type))
        .join(Organisation, col(Organisation.id) == col(AllianceMember.organisation_id))
        .where(
            or_(col(AllianceMember.joined_on).is_(None), col(AllianceMember.joined_on) <= as_of),
            or_(col(AllianceMember.left_on).is_(None), col(AllianceMember.left_on) > as_of),
        )
    )
    for alliance_id, actor_type in (await session.execute(members)).all():
        if alliance_id in alliance_index:
            add("actor_type", actor_type, alliance_index[alliance_id])
    return groups


async def _groups(
    session: AsyncSession,
    alliances: Sequence[CountedAlliance],
    alliance_index: dict[uuid.UUID, int],
    as_of: date,
) -> dict[GroupKey, set[int]]:
    """(subject_type, subject_id) → alliance indexes, for every group of every kind."""
    territory_rows = (
        await session.execute(select(col(Territory.code), col(Territory.path), col(Territory.territory_type)))
    ).all()
    territories = {row.code: row for row in territory_rows}
    groups = await _memberships(session, alliance_index, as_of)
    for index, row in enumerate(alliances):
        territory = territories.get(row.territory_code)
        if territory is None:
            continue
        for code in territory.path.strip("/").split("/"):
            groups.setdefault(("territory", code), set()).add(index)
        if territory.territory_type:
            groups.setdefault(("territory_type", territory.territory_type), set()).add(index)
    if alliances:
        groups[("all", None)] = set(range(len(alliances)))
    return groups


async def _watermark(session: AsyncSession, known_at: datetime) -> dict[str, Any]:
    observation_watermark = await session.scalar(
        select(func.max(col(ObservationRevision.id))).where(col(ObservationRevision.recorded_at) <= known_at)
    )
    indicator_watermark = await session.scalar(
        select(func.max(col(IndicatorRevision.id))).where(col(IndicatorRevision.recorded_at) <= known_at)
    )
    return {
        "known_at": known_at.isoformat(),
        "observation_revision_id": observation_watermark or 0,
        "indicator_revision_id": indicator_watermark or 0,
    }


async def load_input(
    factory: async_sessionmaker[AsyncSession],
    as_of: date,
    known_at: datetime,
    config: MethodologyConfig,
    methodology_hash: str,
    alliance_ids: frozenset[str] | None = None,
    explain: bool = False,
) -> LoadedInput:
    """What a snapshot at T, known at K, reads; `alliance_ids` names the alliances to score
    instead of those counted at T and K (section 1)."""
    async with factory() as session:
        alliances = await _counted_alliances(session, as_of, known_at, alliance_ids)
        alliance_index = {row.id: index for index, row in enumerate(alliances)}
        definitions = [
            d
            for d in await _indicators_at(session, known_at)
            if d.status == IndicatorStatus.active and d.alliance_id in alliance_index
        ]
    max_lookback = max(config.lookback_for(axis) for axis in AXES)
    first_end = as_of - timedelta(days=max_lookback + config.trend_lag_days)

    # The values are the long read: the groups and the watermark are read meanwhile, on a
    # second connection. Both reads filter by K, so they agree.
    async def read_values() -> tuple[Observations, ObservationDetails | None]:
        async with factory() as session:
            return await load_observations_with_details(
                session, [d.indicator_id for d in definitions], first_end, as_of, known_at, details=explain
            )

    async def read_groups_and_watermark() -> tuple[dict[GroupKey, set[int]], dict[str, Any]]:
        async with factory() as session:
            return await _groups(session, alliances, alliance_index, as_of), await _watermark(
                session, known_at
            )

    # What explanations cite besides (names, values outside the window, alliances a group
    # lists without counting them): a third connection, as known at K too.
    async def read_explanation_extras() -> ExplanationExtras | None:
        if not explain:
            return None
        async with factory() as session:
            return await load_explanation_extras(session, alliance_index, as_of, known_at)

    (observations, details), (groups, watermark), extras = await asyncio.gather(
        read_values(), read_groups_and_watermark(), read_explanation_extras()
    )

    ordered_groups = sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or ""))
    sizes = [len(members) for _, members in ordered_groups]
    member_group = np.repeat(np.arange(len(ordered_groups), dtype=np.int64), sizes)
    member_alliance = np.fromiter(
        (a for _, members in ordered_groups for a in sorted(members)), dtype=np.int64, count=sum(sizes)
    )
    explanation = None
    if explain:
        earlier = day_number(as_of - timedelta(days=config.trend_lag_days))
        has_earlier = np.bincount(
            observations.indicator[observations.period_end <= earlier], minlength=len(definitions)
        )
        async with factory() as session:
            values_after, values_before = await values_outside(
                session,
                [d.indicator_id for d in definitions],
                np.flatnonzero(has_earlier == 0),
                first_end,
                as_of,
                known_at,
            )
        group_position = {key: g for g, (key, _) in enumerate(ordered_groups)}
        explanation = ExplanationInput(
            indicator_codes=[d.code for d in definitions],
            indicator_names=[d.name for d in definitions],
            alliance_names=extras.alliance_names,
            observation_ids=details.observation_id,
            observation_status=details.status,
            observation_revision=details.revision_number,
            values_after=values_after,
            values_before=values_before,
            # Only groups that have rows: a group none of whose alliances counts has none.
            excluded=[
                (group_position[key], *entry)
                for key, entries in sorted(
                    extras.excluded.items(), key=lambda item: (item[0][0], item[0][1] or "")
                )
                if key in group_position
                for entry in entries
            ],
        )

    seed_source = "|".join(
        [
            methodology_hash,
            as_of.isoformat(),
            str(watermark["observation_revision_id"]),
            str(watermark["indicator_revision_id"]),
            str(len(alliances)),
        ]
    )
    seed = int.from_bytes(hashlib.sha256(seed_source.encode()).digest()[:8], "big")

    rules = IndicatorRules(
        measure=np.array([MEASURE_CODES[d.measure_type] for d in definitions], dtype=np.int64),
        decrease=np.array([d.direction == Direction.decrease for d in definitions], dtype=bool),
        scale_min=np.array([_nan(d.scale_min) for d in definitions]),
        scale_max=np.array([_nan(d.scale_max) for d in definitions]),
        baseline=np.array([_nan(d.baseline_value) for d in definitions]),
        target=np.array([_nan(d.target_value) for d in definitions]),
        worst=np.array([_nan(d.worst) for d in definitions]),
        best=np.array([_nan(d.best) for d in definitions]),
    )
    scoring = ScoringInput(
        alliance_ids=[str(row.id) for row in alliances],
        indicator_ids=[str(d.indicator_id) for d in definitions],
        indicator_alliance=np.array([alliance_index[d.alliance_id] for d in definitions], dtype=np.int64),
        indicator_axis=np.array([AXIS_INDEX[d.axis] for d in definitions], dtype=np.int64),
        indicator_weight=np.array([d.weight for d in definitions], dtype=float),
        rules=rules,
        observations=observations,
        groups=Groups(
            subject_type=[kind for (kind, _), _ in ordered_groups],
            subject_id=[subject for (_, subject), _ in ordered_groups],
            member_group=member_group,
            member_alliance=member_alliance,
        ),
        as_of=day_number(as_of),
        known_at=instant_number(known_at),
        seed=seed,
        explanation=explanation,
        alliance_started=np.array(
            [OPEN_START if row.started_on is None else day_number(row.started_on) for row in alliances],
            dtype=np.int64,
        ),
        alliance_ended=np.array(
            [OPEN_END if row.ended_on is None else day_number(row.ended_on) for row in alliances],
            dtype=np.int64,
        ),
    )
    counts = {
        "alliances": len(alliances),
        "indicators": len(definitions),
        "observation_revisions_read": int(observations.value.size),
        "groups": len(ordered_groups),
    }
    return LoadedInput(scoring=scoring, watermark=watermark, counts=counts)
