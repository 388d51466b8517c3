import uuid

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.catalysts.models import Catalyst, CatalystTrade
from services.core.catalysts.schemas import CatalystRead
from services.core.db import driver_connection
from services.core.pg_reads import Statement, select_list
from services.core.territories.repository import codes_within, escape_like, where_code_within


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


# A page of CatalystRead rows in one statement (PostgreSQL, see pg_reads): the same filters as
# list_statement, the trades as an array.
READ_FIELDS = tuple(CatalystRead.model_fields)
_READ_SELECT = "SELECT " + select_list(
    READ_FIELDS,
    "c",
    {"trades": "ARRAY(SELECT t.trade FROM catalyst_trades t WHERE t.catalyst_id = c.id)"},
)


async def list_read_rows(
    session: AsyncSession,
    *,
    after: uuid.UUID | None,
    limit: int,
    territory: str | None = None,
    structure_type: str | None = None,
    trade: str | None = None,
    q: str | None = None,
) -> list[dict]:
    statement = Statement(_READ_SELECT + " FROM catalysts c")
    _where_listed(statement, territory=territory, structure_type=structure_type, trade=trade, q=q)
    if after is not None:
        statement.where("c.id > {}", after)
    rows = [dict(record) for record in await statement.fetch(session, "c.id", limit)]
    for row in rows:
        row["trades"] = sorted(row["trades"])  # as Catalyst.trades
    return rows


def _where_listed(
    statement: Statement,
    *,
    territory: str | None,
    structure_type: str | None,
    trade: str | None,
    q: str | None,
) -> None:
    """The conditions of list_statement on `catalysts c`."""
    statement.where("c.deleted_at IS NULL")
    if territory is not None:
        where_code_within(statement, "c.territory_code", territory)
    if structure_type is not None:
        statement.where("c.structure_type = {}", structure_type)
    if trade is not None:
        statement.where(
            "EXISTS (SELECT 1 FROM catalyst_trades t WHERE t.catalyst_id = c.id AND t.trade = {})", trade
        )
    if q:
        statement.where("lower(c.name) LIKE {} ESCAPE '\\'", f"%{escape_like(q.lower())}%")


# The catalysts of the map in one statement (PostgreSQL, see pg_reads): list_statement with
# a point, the trades as an array, every row (a map has no pages).
_MAP_SELECT = (
    "SELECT c.id, c.name, c.structure_type, "
    "ARRAY(SELECT t.trade FROM catalyst_trades t WHERE t.catalyst_id = c.id) AS trades, "
    "c.territory_code, c.website, c.latitude, c.longitude FROM catalysts c"
)


async def list_map_rows(
    session: AsyncSession,
    *,
    territory: str | None = None,
    structure_type: str | None = None,
    trade: str | None = None,
    q: str | None = None,
) -> list:
    """(id, name, structure_type, trades, territory_code, website, latitude, longitude) of
    each live catalyst with a point, by id; trades unsorted."""
    statement = Statement(_MAP_SELECT)
    _where_listed(statement, territory=territory, structure_type=structure_type, trade=trade, q=q)
    statement.where("c.latitude IS NOT NULL AND c.longitude IS NOT NULL")
    connection = await driver_connection(session)
    where = " AND ".join(statement.conditions)
    return await connection.fetch(f"{statement.select} WHERE {where} ORDER BY c.id", *statement.args)
