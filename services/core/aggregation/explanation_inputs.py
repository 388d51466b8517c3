"""What explanations cite beyond the scoring arrays, read by the same load, as known at K.

- the names of the alliances;
- per indicator, whether it has values recorded at or before K outside the window the
  loader reads (period end after T, or before the window): they tell `only_values_after_as_of`
  from `no_value_in_lookback` (`values_outside`, once the window is read);
- the alliances a group lists without counting them (section 6 of the method): alliances of
  the group not active at T (`not_active_at_as_of`), and for actor types, alliances whose
  members of that type are none of them active at T (`member_not_active_at_as_of`).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.alliances.models import Alliance, AllianceCatalyst, AllianceDomain, AllianceMember
from services.core.models_base import table_of
from services.core.observations.models import Observation, ObservationRevision
from services.core.organisations.models import Organisation
from services.core.scoring.explain import MEMBER_NOT_ACTIVE_AT_AS_OF, NOT_ACTIVE_AT_AS_OF
from services.core.territories.models import Territory

GroupKey = tuple[str, str | None]


@dataclass
class ExplanationExtras:
    alliance_names: list[str]
    # (subject_type, subject_id) → alliances listed but not counted: (id, name, reason)
    excluded: dict[GroupKey, list[tuple[str, str, str]]]


def _active(start: date | None, end: date | None, as_of: date) -> bool:
    return (start is None or start <= as_of) and (end is None or end >= as_of)


def _member_active(joined: date | None, left: date | None, as_of: date) -> bool:
    return (joined is None or joined <= as_of) and (left is None or left > as_of)


OUTSIDE_CHUNK = 500  # indicator ids per statement (SQLite's limit on parameters)


async def values_outside(
    session: AsyncSession,
    indicator_ids: list[uuid.UUID],
    needed: np.ndarray,
    first_end: date,
    as_of: date,
    known_at: datetime,
) -> tuple[np.ndarray, np.ndarray]:
    """Per indicator, whether it has a value known at K with a period end after T, and one
    with a period end before the window read (`first_end`).

    Only the `needed` indicators are looked up: those with no value in the window ending by
    T − lag, the only ones whose reason depends on what lies outside it. Through the
    observations' index on (indicator, period end); a period never changes, so an
    observation's period is its revisions'.
    """
    after = np.zeros(len(indicator_ids), dtype=bool)
    before = np.zeros(len(indicator_ids), dtype=bool)
    observations = table_of(Observation).c
    revisions = table_of(ObservationRevision).c
    wanted = [indicator_ids[i] for i in needed.tolist()]
    position = {indicator_id: n for n, indicator_id in enumerate(indicator_ids)}
    for first in range(0, len(wanted), OUTSIDE_CHUNK):
        statement = (
            select(
                observations.indicator_id,
                func.max(case((observations.period_end > as_of, 1), else_=0)),
                func.max(case((observations.period_end < first_end, 1), else_=0)),
            )
            .where(
                observations.indicator_id.in_(wanted[first : first + OUTSIDE_CHUNK]),
                or_(observations.period_end > as_of, observations.period_end < first_end),
                exists().where(
                    revisions.observation_id == observations.id, revisions.recorded_at <= known_at
                ),
            )
            .group_by(observations.indicator_id)
        )
        for indicator_id, has_after, has_before in (await session.execute(statement)).all():
            after[position[indicator_id]], before[position[indicator_id]] = bool(has_after), bool(has_before)
    return after, before


async def load_explanation_extras(
    session: AsyncSession,
    alliance_index: dict[uuid.UUID, int],
    as_of: date,
    known_at: datetime,
) -> ExplanationExtras:
    known = (
        await session.execute(
            select(
                col(Alliance.id),
                col(Alliance.name),
                col(Alliance.territory_code),
                col(Alliance.started_on),
                col(Alliance.ended_on),
            )
            .where(
                col(Alliance.created_at) <= known_at,
                or_(col(Alliance.deleted_at).is_(None), col(Alliance.deleted_at) > known_at),
            )
            .order_by(col(Alliance.id))
        )
    ).all()
    names = [""] * len(alliance_index)
    inactive: dict[uuid.UUID, tuple[str, str]] = {}
    territory_of: dict[uuid.UUID, str] = {}
    for row in known:
        if row.id in alliance_index:
            names[alliance_index[row.id]] = row.name
        elif not _active(row.started_on, row.ended_on, as_of):
            inactive[row.id] = (str(row.id), row.name)
            territory_of[row.id] = row.territory_code
    excluded: dict[GroupKey, list[tuple[str, str, str]]] = {}

    def add(key: GroupKey, alliance_id: uuid.UUID, reason: str) -> None:
        excluded.setdefault(key, []).append((*inactive[alliance_id], reason))

    if inactive:
        for alliance_id, catalyst_id in (
            await session.execute(
                select(col(AllianceCatalyst.alliance_id), col(AllianceCatalyst.catalyst_id))
            )
        ).all():
            if alliance_id in inactive:
                add(("catalyst", str(catalyst_id)), alliance_id, NOT_ACTIVE_AT_AS_OF)
        for alliance_id, domain in (
            await session.execute(select(col(AllianceDomain.alliance_id), col(AllianceDomain.domain)))
        ).all():
            if alliance_id in inactive:
                add(("domain", domain), alliance_id, NOT_ACTIVE_AT_AS_OF)
        territories = {
            row.code: row
            for row in (
                await session.execute(
                    select(col(Territory.code), col(Territory.path), col(Territory.territory_type))
                )
            ).all()
        }
        for alliance_id, code in territory_of.items():
            territory = territories.get(code)
            if territory is None:
                continue
            for ancestor in territory.path.strip("/").split("/"):
                add(("territory", ancestor), alliance_id, NOT_ACTIVE_AT_AS_OF)
            if territory.territory_type:
                add(("territory_type", territory.territory_type), alliance_id, NOT_ACTIVE_AT_AS_OF)
        for alliance_id in inactive:
            add(("all", None), alliance_id, NOT_ACTIVE_AT_AS_OF)

    # Actor types: the same rule as the groups (members active at T), and for the alliances
    # counted at T, the types whose members are none of them active at T.
    members = select(
        col(AllianceMember.alliance_id),
        col(Organisation.actor_type),
        col(AllianceMember.joined_on),
        col(AllianceMember.left_on),
    ).join(Organisation, col(Organisation.id) == col(AllianceMember.organisation_id))
    active_types: dict[uuid.UUID, set[str]] = {}
    any_types: dict[uuid.UUID, set[str]] = {}
    for alliance_id, actor_type, joined_on, left_on in (await session.execute(members)).all():
        if alliance_id not in alliance_index and alliance_id not in inactive:
            continue
        any_types.setdefault(alliance_id, set()).add(actor_type)
        if _member_active(joined_on, left_on, as_of):
            active_types.setdefault(alliance_id, set()).add(actor_type)
    for alliance_id, types in any_types.items():
        active = active_types.get(alliance_id, set())
        if alliance_id in inactive:
            for actor_type in sorted(active):
                add(("actor_type", actor_type), alliance_id, NOT_ACTIVE_AT_AS_OF)
            continue
        for actor_type in sorted(types - active):
            excluded.setdefault(("actor_type", actor_type), []).append(
                (str(alliance_id), names[alliance_index[alliance_id]], MEMBER_NOT_ACTIVE_AT_AS_OF)
            )

    return ExplanationExtras(names, excluded)
