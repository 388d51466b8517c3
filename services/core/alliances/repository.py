import uuid
from datetime import date

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.alliances.models import (
    Alliance,
    AllianceCatalyst,
    AllianceDomain,
    AllianceMember,
    AllianceSdg,
)
from services.core.alliances.schemas import AllianceRead
from services.core.list_queries import Filter, ListQuery, array_of, read_columns
from services.core.models_base import table_of
from services.core.pagination import ID_CURSOR
from services.core.territories.repository import code_within, contains_pattern, subtree_pattern

alliances = table_of(Alliance)
alliance_catalysts = table_of(AllianceCatalyst)
alliance_domains = table_of(AllianceDomain)
alliance_sdgs = table_of(AllianceSdg)


async def get_live(session: AsyncSession, alliance_id: uuid.UUID) -> Alliance | None:
    alliance = await session.get(Alliance, alliance_id)
    if alliance is None or alliance.deleted_at is not None:
        return None
    return alliance


def members_statement(alliance_id: uuid.UUID, active_on: date | None) -> Select:
    statement = select(AllianceMember).where(col(AllianceMember.alliance_id) == alliance_id)
    if active_on is not None:
        statement = statement.where(
            or_(col(AllianceMember.joined_on).is_(None), col(AllianceMember.joined_on) <= active_on),
            or_(col(AllianceMember.left_on).is_(None), col(AllianceMember.left_on) > active_on),
        )
    return statement


def _text_search(pattern):
    return or_(
        func.lower(alliances.c.name).like(pattern, escape="\\"),
        func.lower(alliances.c.description).like(pattern, escape="\\"),
    )


def _has(column):
    """The filter "one of the alliance's rows in `column`'s table has this value in it"."""
    return Filter(lambda value: exists().where(column.table.c.alliance_id == alliances.c.id, column == value))


def _all_of(column):
    """The values of `column` in the alliance's rows of its table, sorted as by Alliance's
    properties (catalyst_ids, domains, sdgs)."""
    return array_of(column, where=column.table.c.alliance_id == alliances.c.id)


ALLIANCE_LIST = ListQuery(
    model=Alliance,
    columns=read_columns(
        AllianceRead,
        alliances,
        {
            "catalyst_ids": _all_of(alliance_catalysts.c.catalyst_id),
            "domains": _all_of(alliance_domains.c.domain),
            "sdgs": _all_of(alliance_sdgs.c.sdg),
        },
    ),
    where=(alliances.c.deleted_at.is_(None),),
    filters={
        "catalyst": _has(alliance_catalysts.c.catalyst_id),
        "territory": Filter(
            lambda pattern: code_within(alliances.c.territory_code, pattern), subtree_pattern
        ),
        "domain": _has(alliance_domains.c.domain),
        "sdg": _has(alliance_sdgs.c.sdg),
        "stage": Filter(lambda stage: alliances.c.stage == stage),
        "status": Filter(lambda status: alliances.c.status == status),
        "q": Filter(_text_search, contains_pattern),
    },
    key=alliances.c.id,
    cursor_format=ID_CURSOR,
)
