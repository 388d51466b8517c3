import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.alliances.models import (
    Alliance,
    AllianceCatalyst,
    AllianceDomain,
    AllianceMember,
    AllianceSdg,
)
from services.core.alliances.schemas import AllianceRead
from services.core.pg_reads import Statement, select_list
from services.core.territories.repository import codes_within, escape_like, where_code_within


async def get_live(session: AsyncSession, alliance_id: uuid.UUID) -> Alliance | None:
    alliance = await session.get(Alliance, alliance_id)
    if alliance is None or alliance.deleted_at is not None:
        return None
    return alliance


@dataclass(frozen=True)
class AllianceFilters:
    """What a list of alliances is narrowed to (None: not by this), in both of its statements."""

    catalyst: uuid.UUID | None
    territory: str | None
    domain: str | None
    sdg: int | None
    stage: str | None
    status: str | None
    q: str | None


def list_statement(filters: AllianceFilters) -> Select:
    statement = select(Alliance).where(Alliance.deleted_at.is_(None))
    if filters.catalyst is not None:
        statement = statement.where(
            exists().where(
                AllianceCatalyst.alliance_id == Alliance.id,
                AllianceCatalyst.catalyst_id == filters.catalyst,
            )
        )
    if filters.territory is not None:
        statement = statement.where(Alliance.territory_code.in_(codes_within(filters.territory)))
    if filters.domain is not None:
        statement = statement.where(
            exists().where(AllianceDomain.alliance_id == Alliance.id, AllianceDomain.domain == filters.domain)
        )
    if filters.sdg is not None:
        statement = statement.where(
            exists().where(AllianceSdg.alliance_id == Alliance.id, AllianceSdg.sdg == filters.sdg)
        )
    if filters.stage is not None:
        statement = statement.where(Alliance.stage == filters.stage)
    if filters.status is not None:
        statement = statement.where(Alliance.status == filters.status)
    if filters.q:
        pattern = f"%{escape_like(filters.q.lower())}%"
        statement = statement.where(
            or_(
                func.lower(Alliance.name).like(pattern, escape="\\"),
                func.lower(Alliance.description).like(pattern, escape="\\"),
            )
        )
    return statement


def members_statement(alliance_id: uuid.UUID, active_on: date | None) -> Select:
    statement = select(AllianceMember).where(AllianceMember.alliance_id == alliance_id)
    if active_on is not None:
        statement = statement.where(
            or_(AllianceMember.joined_on.is_(None), AllianceMember.joined_on <= active_on),
            or_(AllianceMember.left_on.is_(None), AllianceMember.left_on > active_on),
        )
    return statement


# A page of AllianceRead rows in one statement (PostgreSQL, see pg_reads): the same filters as
# list_statement, the catalysts, domains and SDGs as arrays.
READ_FIELDS = tuple(AllianceRead.model_fields)
_READ_SELECT = "SELECT " + select_list(
    READ_FIELDS,
    "a",
    {
        "catalyst_ids": "ARRAY(SELECT x.catalyst_id FROM alliance_catalysts x WHERE x.alliance_id = a.id)",
        "domains": "ARRAY(SELECT x.domain FROM alliance_domains x WHERE x.alliance_id = a.id)",
        "sdgs": "ARRAY(SELECT x.sdg FROM alliance_sdgs x WHERE x.alliance_id = a.id)",
    },
)


async def list_read_rows(
    session: AsyncSession, *, filters: AllianceFilters, after: uuid.UUID | None, limit: int
) -> list[dict]:
    statement = Statement(_READ_SELECT + " FROM alliances a")
    statement.where("a.deleted_at IS NULL")
    if filters.catalyst is not None:
        statement.where(
            "EXISTS (SELECT 1 FROM alliance_catalysts x WHERE x.alliance_id = a.id AND x.catalyst_id = {})",
            filters.catalyst,
        )
    if filters.territory is not None:
        where_code_within(statement, "a.territory_code", filters.territory)
    if filters.domain is not None:
        statement.where(
            "EXISTS (SELECT 1 FROM alliance_domains x WHERE x.alliance_id = a.id AND x.domain = {})",
            filters.domain,
        )
    if filters.sdg is not None:
        statement.where(
            "EXISTS (SELECT 1 FROM alliance_sdgs x WHERE x.alliance_id = a.id AND x.sdg = {})", filters.sdg
        )
    if filters.stage is not None:
        statement.where("a.stage = {}", filters.stage)
    if filters.status is not None:
        statement.where("a.status = {}", filters.status)
    if filters.q:
        pattern = f"%{escape_like(filters.q.lower())}%"
        statement.where(
            "(lower(a.name) LIKE {} ESCAPE '\\' OR lower(a.description) LIKE {} ESCAPE '\\')",
            pattern,
            pattern,
        )
    if after is not None:
        statement.where("a.id > {}", after)
    rows = [dict(record) for record in await statement.fetch(session, "a.id", limit)]
    for row in rows:
        # Sorted as Alliance.catalyst_ids, .domains and .sdgs sort them.
        row["catalyst_ids"] = sorted(row["catalyst_ids"])
        row["domains"] = sorted(row["domains"])
        row["sdgs"] = sorted(row["sdgs"])
    return rows
