import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.api.bodies import LimitedBodyRoute
from services.api.deps import (
    CursorQuery,
    LimitQuery,
    PublicReaderDep,
    SearchQuery,
    SessionDep,
    WriterDep,
    WrittenAsInteger,
)
from services.api.etags import check_if_match, with_etag
from services.api.openapi import problems
from services.api.pages import page_response
from services.api.routes.catalysts import TerritoryFilter
from services.core.alliances import service
from services.core.alliances.schemas import AllianceCreate, AllianceRead, AllianceUpdate
from services.core.pagination import DEFAULT_LIMIT, Page
from services.core.vocabularies import AllianceStatus, Domain, Stage

router = APIRouter(prefix="/v1/alliances", tags=["alliances"], route_class=LimitedBodyRoute)


@router.get("", summary="List alliances", response_model=Page[AllianceRead])
async def list_alliances(
    session: SessionDep,
    _: PublicReaderDep,
    catalyst: Annotated[uuid.UUID | None, Query(description="Convened by this catalyst.")] = None,
    territory: TerritoryFilter = None,
    domain: Domain | None = None,
    sdg: Annotated[int | None, Query(ge=1, le=17), WrittenAsInteger] = None,
    stage: Stage | None = None,
    status: AllianceStatus | None = None,
    q: SearchQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
):
    items, next_cursor = await service.list_alliance_rows(
        session,
        catalyst=catalyst,
        territory=territory,
        domain=domain,
        sdg=sdg,
        stage=stage,
        status=status,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    return page_response(items, next_cursor)


@router.post(
    "",
    status_code=201,
    summary="Create an alliance (convened by the key's catalyst)",
    response_model=AllianceRead,
)
async def create_alliance(
    payload: AllianceCreate, session: SessionDep, principal: WriterDep, response: Response
):
    alliance = await service.create_alliance(session, principal, payload)
    response.headers["Location"] = f"/v1/alliances/{alliance.id}"
    return with_etag(response, AllianceRead.model_validate(alliance))


@router.get(
    "/{alliance_id}",
    summary="Get an alliance",
    response_model=AllianceRead,
    responses=problems(304, 404),
)
async def get_alliance(alliance_id: uuid.UUID, session: SessionDep, _: PublicReaderDep, response: Response):
    alliance = await service.get_alliance(session, alliance_id)
    return with_etag(response, AllianceRead.model_validate(alliance))


@router.patch(
    "/{alliance_id}",
    summary="Change an alliance",
    response_model=AllianceRead,
    responses=problems(404, 412),
)
async def update_alliance(
    alliance_id: uuid.UUID,
    payload: AllianceUpdate,
    session: SessionDep,
    principal: WriterDep,
    request: Request,
    response: Response,
):
    alliance = await service.get_alliance(session, alliance_id)
    check_if_match(request, AllianceRead.model_validate(alliance))
    alliance = await service.update_alliance(session, principal, alliance, payload)
    return with_etag(response, AllianceRead.model_validate(alliance))


@router.delete(
    "/{alliance_id}",
    status_code=204,
    summary="Delete an alliance (soft delete)",
    responses=problems(404, 412),
)
async def delete_alliance(
    alliance_id: uuid.UUID, session: SessionDep, principal: WriterDep, request: Request
):
    alliance = await service.get_alliance(session, alliance_id)
    check_if_match(request, AllianceRead.model_validate(alliance))
    await service.delete_alliance(session, principal, alliance)
    return Response(status_code=204)
