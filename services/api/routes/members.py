import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.api.bodies import LimitedBodyRoute
from services.api.deps import CursorQuery, LimitQuery, ReaderDep, SessionDep, WriterDep
from services.api.etags import check_if_match, with_etag
from services.api.openapi import problems
from services.core.alliances import service
from services.core.alliances.schemas import MemberCreate, MemberRead, MemberUpdate
from services.core.pagination import DEFAULT_LIMIT, Page
from services.core.schemas_base import IsoDate

router = APIRouter(
    prefix="/v1/alliances/{alliance_id}/members", tags=["alliance members"], route_class=LimitedBodyRoute
)


@router.get(
    "",
    summary="List an alliance's members, past and present",
    response_model=Page[MemberRead],
    responses=problems(404),
)
async def list_members(
    alliance_id: uuid.UUID,
    session: SessionDep,
    _: ReaderDep,
    active_on: Annotated[
        IsoDate | None, Query(description="Only members who had joined and not yet left that day.")
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
):
    alliance = await service.get_alliance(session, alliance_id)
    items, next_cursor = await service.list_members(
        session, alliance, active_on=active_on, cursor=cursor, limit=limit
    )
    return Page[MemberRead](items=[MemberRead.model_validate(m) for m in items], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    summary="Add a member to an alliance",
    response_model=MemberRead,
    responses=problems(404),
)
async def add_member(
    alliance_id: uuid.UUID,
    payload: MemberCreate,
    session: SessionDep,
    principal: WriterDep,
    response: Response,
):
    alliance = await service.get_alliance(session, alliance_id)
    member = await service.add_member(session, principal, alliance, payload)
    response.headers["Location"] = f"/v1/alliances/{alliance.id}/members/{member.id}"
    return with_etag(response, MemberRead.model_validate(member))


@router.get(
    "/{member_id}",
    summary="Get a membership",
    response_model=MemberRead,
    responses=problems(304, 404),
)
async def get_member(
    alliance_id: uuid.UUID,
    member_id: uuid.UUID,
    session: SessionDep,
    _: ReaderDep,
    response: Response,
):
    alliance = await service.get_alliance(session, alliance_id)
    member = await service.get_member(session, alliance, member_id)
    return with_etag(response, MemberRead.model_validate(member))


@router.patch(
    "/{member_id}",
    summary="Change a membership (role, dates, objectives)",
    response_model=MemberRead,
    responses=problems(404, 412),
)
async def update_member(
    alliance_id: uuid.UUID,
    member_id: uuid.UUID,
    payload: MemberUpdate,
    session: SessionDep,
    principal: WriterDep,
    request: Request,
    response: Response,
):
    alliance = await service.get_alliance(session, alliance_id)
    member = await service.get_member(session, alliance, member_id)
    check_if_match(request, MemberRead.model_validate(member))
    member = await service.update_member(session, principal, alliance, member, payload)
    return with_etag(response, MemberRead.model_validate(member))


@router.delete(
    "/{member_id}",
    summary="A member leaves (sets `left_on`; the membership stays in the history)",
    response_model=MemberRead,
    responses=problems(404, 412),
)
async def remove_member(
    alliance_id: uuid.UUID,
    member_id: uuid.UUID,
    session: SessionDep,
    principal: WriterDep,
    request: Request,
    response: Response,
):
    alliance = await service.get_alliance(session, alliance_id)
    member = await service.get_member(session, alliance, member_id)
    check_if_match(request, MemberRead.model_validate(member))
    member = await service.remove_member(session, principal, alliance, member)
    return with_etag(response, MemberRead.model_validate(member))
