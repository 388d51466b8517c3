import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.core.alliances import repository
from services.core.alliances.models import (
    Alliance,
    AllianceCatalyst,
    AllianceDomain,
    AllianceMember,
    AllianceSdg,
)
from services.core.alliances.schemas import (
    AllianceCreate,
    AllianceRead,
    AllianceUpdate,
    MemberCreate,
    MemberUpdate,
)
from services.core.auth.principal import Principal
from services.core.catalysts.repository import live_ids
from services.core.clock import today, utcnow
from services.core.errors import Forbidden, Invalid, NotFound, reject_cleared
from services.core.models_base import sync_rows
from services.core.organisations.models import Organisation
from services.core.pagination import page_of, paginate
from services.core.territories.service import require_territory

REQUIRED_FIELDS = ("name", "territory_code", "catalyst_ids", "stage", "status", "domains", "sdgs")
MEMBER_REQUIRED_FIELDS = ("role",)


async def get_alliance(session: AsyncSession, alliance_id: uuid.UUID) -> Alliance:
    alliance = await repository.get_live(session, alliance_id)
    if alliance is None:
        raise NotFound("No alliance with this id.")
    return alliance


async def list_alliance_rows(session: AsyncSession, *, cursor: str | None, limit: int, **filters):
    """A page of alliances as AllianceRead-shaped dicts (see list_queries.ListQuery.read_page)."""
    return await repository.ALLIANCE_LIST.read_page(
        session, AllianceRead, filters, cursor=cursor, limit=limit
    )


async def _check_catalysts(
    session: AsyncSession, principal: Principal, catalyst_ids: list[uuid.UUID]
) -> None:
    known = await live_ids(session, catalyst_ids)
    for index, catalyst_id in enumerate(catalyst_ids):
        if catalyst_id not in known:
            raise Invalid.field(["body", "catalyst_ids", index], "Unknown catalyst.", "unknown_catalyst")
    if not principal.is_staff and principal.catalyst_id not in catalyst_ids:
        # A write key that left its own catalyst out would create or keep an alliance it
        # could then no longer touch.
        raise Forbidden("A write key may only act on alliances its own catalyst convenes.")


def _check_dates(start: date | None, end: date | None, start_name: str, end_name: str) -> None:
    if start is not None and end is not None and end < start:
        raise Invalid.field(["body", end_name], f"{end_name} is before {start_name}.", "date_order")


async def create_alliance(session: AsyncSession, principal: Principal, payload: AllianceCreate) -> Alliance:
    principal.require_write()
    _check_dates(payload.started_on, payload.ended_on, "started_on", "ended_on")
    await _check_catalysts(session, principal, payload.catalyst_ids)
    await require_territory(session, payload.territory_code, ["body", "territory_code"])
    alliance = Alliance(**payload.model_dump(exclude={"catalyst_ids", "domains", "sdgs"}))
    alliance.catalyst_rows = [AllianceCatalyst(catalyst_id=c) for c in payload.catalyst_ids]
    alliance.domain_rows = [AllianceDomain(domain=d) for d in payload.domains]
    alliance.sdg_rows = [AllianceSdg(sdg=s) for s in payload.sdgs]
    session.add(alliance)
    await session.flush()
    return alliance


async def update_alliance(
    session: AsyncSession, principal: Principal, alliance: Alliance, payload: AllianceUpdate
) -> Alliance:
    principal.require_catalyst(alliance.catalyst_ids, "this alliance")
    changes = payload.model_dump(exclude_unset=True)
    reject_cleared(changes, REQUIRED_FIELDS)
    if "catalyst_ids" in changes:
        await _check_catalysts(session, principal, changes["catalyst_ids"])
    if "territory_code" in changes:
        await require_territory(session, changes["territory_code"], ["body", "territory_code"])
    _check_dates(
        changes.get("started_on", alliance.started_on),
        changes.get("ended_on", alliance.ended_on),
        "started_on",
        "ended_on",
    )
    if "catalyst_ids" in changes:
        sync_rows(
            alliance.catalyst_rows,
            changes.pop("catalyst_ids"),
            "catalyst_id",
            lambda c: AllianceCatalyst(catalyst_id=c),
        )
    if "domains" in changes:
        sync_rows(alliance.domain_rows, changes.pop("domains"), "domain", lambda d: AllianceDomain(domain=d))
    if "sdgs" in changes:
        sync_rows(alliance.sdg_rows, changes.pop("sdgs"), "sdg", lambda s: AllianceSdg(sdg=s))
    for field, value in changes.items():
        setattr(alliance, field, value)
    alliance.updated_at = utcnow()
    await session.flush()
    return alliance


async def delete_alliance(session: AsyncSession, principal: Principal, alliance: Alliance) -> None:
    principal.require_catalyst(alliance.catalyst_ids, "this alliance")
    alliance.deleted_at = utcnow()
    alliance.updated_at = alliance.deleted_at
    await session.flush()


async def list_members(
    session: AsyncSession,
    alliance: Alliance,
    *,
    active_on: date | None,
    cursor: str | None,
    limit: int,
):
    statement = paginate(
        repository.members_statement(alliance.id, active_on),
        AllianceMember.id,
        cursor,
        limit,
    )
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda member: member.id)


async def get_member(session: AsyncSession, alliance: Alliance, member_id: uuid.UUID) -> AllianceMember:
    member = await session.get(AllianceMember, member_id)
    if member is None or member.alliance_id != alliance.id:
        raise NotFound("No member with this id in this alliance.")
    return member


async def add_member(
    session: AsyncSession, principal: Principal, alliance: Alliance, payload: MemberCreate
) -> AllianceMember:
    principal.require_catalyst(alliance.catalyst_ids, "this alliance")
    _check_dates(payload.joined_on, payload.left_on, "joined_on", "left_on")
    if await session.get(Organisation, payload.organisation_id) is None:
        raise Invalid.field(["body", "organisation_id"], "Unknown organisation.", "unknown_organisation")
    member = AllianceMember(alliance_id=alliance.id, **payload.model_dump())
    session.add(member)
    await session.flush()
    return member


async def update_member(
    session: AsyncSession,
    principal: Principal,
    alliance: Alliance,
    member: AllianceMember,
    payload: MemberUpdate,
) -> AllianceMember:
    principal.require_catalyst(alliance.catalyst_ids, "this alliance")
    changes = payload.model_dump(exclude_unset=True)
    reject_cleared(changes, MEMBER_REQUIRED_FIELDS)
    _check_dates(
        changes.get("joined_on", member.joined_on),
        changes.get("left_on", member.left_on),
        "joined_on",
        "left_on",
    )
    for field, value in changes.items():
        setattr(member, field, value)
    member.updated_at = utcnow()
    await session.flush()
    return member


async def remove_member(
    session: AsyncSession, principal: Principal, alliance: Alliance, member: AllianceMember
) -> AllianceMember:
    """A member leaves: the membership is closed, never erased, so history stays measurable."""
    principal.require_catalyst(alliance.catalyst_ids, "this alliance")
    if member.left_on is None:
        member.left_on = max(today(), member.joined_on) if member.joined_on else today()
        member.updated_at = utcnow()
        await session.flush()
    return member
