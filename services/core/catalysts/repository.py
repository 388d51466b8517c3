import uuid

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.catalysts.models import Catalyst, CatalystTrade
from services.core.catalysts.schemas import CatalystRead
from services.core.list_queries import Filter, ListQuery, array_of, read_columns
from services.core.models_base import table_of
from services.core.pagination import ID_CURSOR
from services.core.territories.repository import code_within, contains_pattern, subtree_pattern

catalysts = table_of(Catalyst)
catalyst_trades = table_of(CatalystTrade)


async def get_live(session: AsyncSession, catalyst_id: uuid.UUID) -> Catalyst | None:
    catalyst = await session.get(Catalyst, catalyst_id)
    if catalyst is None or catalyst.deleted_at is not None:
        return None
    return catalyst


async def live_ids(session: AsyncSession, catalyst_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(col(Catalyst.id)).where(col(Catalyst.id).in_(catalyst_ids), col(Catalyst.deleted_at).is_(None))
    )
    return set(rows.all())


LIVE = catalysts.c.deleted_at.is_(None)
# The filters of the list of catalysts and of their map.
FILTERS = {
    "territory": Filter(lambda pattern: code_within(catalysts.c.territory_code, pattern), subtree_pattern),
    "structure_type": Filter(lambda structure_type: catalysts.c.structure_type == structure_type),
    "trade": Filter(
        lambda trade: exists().where(
            catalyst_trades.c.catalyst_id == catalysts.c.id, catalyst_trades.c.trade == trade
        )
    ),
    "q": Filter(lambda pattern: func.lower(catalysts.c.name).like(pattern, escape="\\"), contains_pattern),
}
# Sorted as Catalyst.trades.
TRADES = array_of(catalyst_trades.c.trade, where=catalyst_trades.c.catalyst_id == catalysts.c.id)

CATALYST_LIST = ListQuery(
    model=Catalyst,
    columns=read_columns(CatalystRead, catalysts, {"trades": TRADES}),
    where=(LIVE,),
    filters=FILTERS,
    key=catalysts.c.id,
    cursor_format=ID_CURSOR,
)

# The catalysts of the map: those of the list that have a point, every one (a map has no
# pages), each with the arguments of geojson.feature, in order.
CATALYST_MAP = ListQuery(
    model=Catalyst,
    columns={
        "id": catalysts.c.id,
        "name": catalysts.c.name,
        "structure_type": catalysts.c.structure_type,
        "trades": TRADES,
        "territory_code": catalysts.c.territory_code,
        "website": catalysts.c.website,
        "latitude": catalysts.c.latitude,
        "longitude": catalysts.c.longitude,
    },
    where=(LIVE, catalysts.c.latitude.is_not(None), catalysts.c.longitude.is_not(None)),
    filters=FILTERS,
    key=catalysts.c.id,
    cursor_format=ID_CURSOR,
)
