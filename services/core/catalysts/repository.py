import uuid

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.catalysts.models import Catalyst, CatalystTrade
from services.core.territories.repository import codes_within, escape_like


async def get_live(session: AsyncSession, catalyst_id: uuid.UUID) -> Catalyst | None:
    catalyst = await session.get(Catalyst, catalyst_id)
    if catalyst is None or catalyst.deleted_at is not None:
        return None
    return catalyst


async def live_ids(session: AsyncSession, catalyst_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(Catalyst.id).where(Catalyst.id.in_(catalyst_ids), Catalyst.deleted_at.is_(None))
    )
    return set(rows.all())


def list_statement(
    *,
    territory: str | None = None,
    structure_type: str | None = None,
    trade: str | None = None,
    q: str | None = None,
    with_point: bool = False,
) -> Select:
    statement = select(Catalyst).where(Catalyst.deleted_at.is_(None))
    if territory is not None:
        statement = statement.where(Catalyst.territory_code.in_(codes_within(territory)))
    if structure_type is not None:
        statement = statement.where(Catalyst.structure_type == structure_type)
    if trade is not None:
        statement = statement.where(
            exists().where(CatalystTrade.catalyst_id == Catalyst.id, CatalystTrade.trade == trade)
        )
    if q:
        pattern = f"%{escape_like(q.lower())}%"
        statement = statement.where(func.lower(Catalyst.name).like(pattern, escape="\\"))
    if with_point:
        statement = statement.where(Catalyst.latitude.is_not(None), Catalyst.longitude.is_not(None))
    return statement
