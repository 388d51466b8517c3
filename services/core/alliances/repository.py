import uuid
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
from services.core.territories.repository import codes_within, escape_like


async def get_live(session: AsyncSession, alliance_id: uuid.UUID) -> Alliance | None:
    alliance = await session.get(Alliance, alliance_id)
    if alliance is None or alliance.deleted_at is not None:
        return None
    return alliance


def list_statement(
    *,
    catalyst: uuid.UUID | None,
    territory: str | None,
    domain: str | None,
    sdg: int | None,
    stage: str | None,
    status: str | None,
    q: str | None,
) -> Select:
    statement = select(Alliance).where(Alliance.deleted_at.is_(None))
    if catalyst is not None:
        statement = statement.where(
            exists().where(
                AllianceCatalyst.alliance_id == Alliance.id,
                AllianceCatalyst.catalyst_id == catalyst,
            )
        )
    if territory is not None:
        statement = statement.where(Alliance.territory_code.in_(codes_within(territory)))
    if domain is not None:
        statement = statement.where(
            exists().where(AllianceDomain.alliance_id == Alliance.id, AllianceDomain.domain == domain)
        )
    if sdg is not None:
        statement = statement.where(
            exists().where(AllianceSdg.alliance_id == Alliance.id, AllianceSdg.sdg == sdg)
        )
    if stage is not None:
        statement = statement.where(Alliance.stage == stage)
    if status is not None:
        statement = statement.where(Alliance.status == status)
    if q:
        pattern = f"%{escape_like(q.lower())}%"
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
