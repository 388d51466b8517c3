import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response

from services.api.bodies import LimitedBodyRoute
from services.api.deps import (
    CursorQuery,
    LimitQuery,
    PublicReaderDep,
    SearchQuery,
    SessionDep,
    StaffDep,
    WriterDep,
)
from services.api.etags import check_if_match, with_etag
from services.api.openapi import problems
from services.api.pages import page_response
from services.core.catalysts import service
from services.core.catalysts.schemas import CatalystCreate, CatalystRead, CatalystUpdate
from services.core.invalidations import Change, announce
from services.core.pagination import DEFAULT_LIMIT, Page
from services.core.vocabularies import StructureType, Trade

router = APIRouter(prefix="/v1/catalysts", tags=["catalysts"], route_class=LimitedBodyRoute)

TerritoryFilter = Annotated[
    str | None,
    Query(max_length=64, description="Territory code; includes every territory under it."),
]


@router.get("", summary="List catalysts", response_model=Page[CatalystRead])
async def list_catalysts(
    session: SessionDep,
    _: PublicReaderDep,
    territory: TerritoryFilter = None,
    structure_type: StructureType | None = None,
    trade: Trade | None = None,
    q: SearchQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
):
    items, next_cursor = await service.list_catalyst_rows(
        session,
        territory=territory,
        structure_type=structure_type,
        trade=trade,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    return page_response(items, next_cursor)


@router.post("", status_code=201, summary="Register a catalyst (staff)", response_model=CatalystRead)
async def create_catalyst(
    payload: CatalystCreate, session: SessionDep, principal: StaffDep, response: Response
):
    catalyst = await service.create_catalyst(session, principal, payload)
    response.headers["Location"] = f"/v1/catalysts/{catalyst.id}"
    return with_etag(response, CatalystRead.model_validate(catalyst))


@router.get(
    "/{catalyst_id}",
    summary="Get a catalyst",
    response_model=CatalystRead,
    responses=problems(304, 404),
)
async def get_catalyst(catalyst_id: uuid.UUID, session: SessionDep, _: PublicReaderDep, response: Response):
    catalyst = await service.get_catalyst(session, catalyst_id)
    return with_etag(response, CatalystRead.model_validate(catalyst))


@router.patch(
    "/{catalyst_id}",
    summary="Change a catalyst (staff, or a write key of that catalyst)",
    response_model=CatalystRead,
    responses=problems(404, 412),
)
async def update_catalyst(
    catalyst_id: uuid.UUID,
    payload: CatalystUpdate,
    session: SessionDep,
    principal: WriterDep,
    request: Request,
    response: Response,
):
    catalyst = await service.get_catalyst(session, catalyst_id)
    check_if_match(request, CatalystRead.model_validate(catalyst))
    catalyst = await service.update_catalyst(session, principal, catalyst, payload)
    return with_etag(response, CatalystRead.model_validate(catalyst))


@router.delete(
    "/{catalyst_id}",
    status_code=204,
    summary="Delete a catalyst (staff; soft delete)",
    responses=problems(404, 412),
)
async def delete_catalyst(
    catalyst_id: uuid.UUID,
    session: SessionDep,
    principal: StaffDep,
    request: Request,
    background: BackgroundTasks,
):
    catalyst = await service.get_catalyst(session, catalyst_id)
    check_if_match(request, CatalystRead.model_validate(catalyst))
    revoked = await service.delete_catalyst(session, principal, catalyst)
    # Once committed (background tasks run after the response), every process forgets them.
    redis_url = request.app.state.settings.redis_url
    for key_id in revoked:
        background.add_task(announce, redis_url, Change.API_KEY, key_id)
    return Response(status_code=204)
