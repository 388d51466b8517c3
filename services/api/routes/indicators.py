import uuid

from fastapi import APIRouter, Request, Response

from services.api.bodies import LimitedBodyRoute
from services.api.deps import (
    CursorQuery,
    IntegerCursorQuery,
    LimitQuery,
    ReaderDep,
    SessionDep,
    WriterDep,
)
from services.api.etags import check_if_match, with_etag
from services.api.openapi import problems
from services.core.alliances.service import get_alliance
from services.core.indicators import service
from services.core.indicators.schemas import (
    IndicatorCreate,
    IndicatorRead,
    IndicatorRevisionRead,
    IndicatorUpdate,
)
from services.core.pagination import DEFAULT_LIMIT, Page
from services.core.vocabularies import Axis, IndicatorStatus

router = APIRouter(tags=["indicators"], route_class=LimitedBodyRoute)


@router.get(
    "/v1/alliances/{alliance_id}/indicators",
    summary="List an alliance's indicators",
    response_model=Page[IndicatorRead],
    responses=problems(404),
)
async def list_indicators(
    alliance_id: uuid.UUID,
    session: SessionDep,
    _: ReaderDep,
    status: IndicatorStatus | None = None,
    axis: Axis | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
):
    alliance = await get_alliance(session, alliance_id)
    items, next_cursor = await service.list_indicators(
        session, alliance, status=status, axis=axis, cursor=cursor, limit=limit
    )
    return Page[IndicatorRead](
        items=[IndicatorRead.model_validate(i) for i in items], next_cursor=next_cursor
    )


@router.post(
    "/v1/alliances/{alliance_id}/indicators",
    status_code=201,
    summary="Define an indicator of an alliance",
    response_model=IndicatorRead,
    responses=problems(404, 409),
)
async def create_indicator(
    alliance_id: uuid.UUID,
    payload: IndicatorCreate,
    session: SessionDep,
    principal: WriterDep,
    response: Response,
):
    alliance = await get_alliance(session, alliance_id)
    indicator = await service.create_indicator(session, principal, alliance, payload)
    response.headers["Location"] = f"/v1/indicators/{indicator.id}"
    return with_etag(response, IndicatorRead.model_validate(indicator))


@router.get(
    "/v1/indicators/{indicator_id}",
    summary="Get an indicator (its current revision)",
    response_model=IndicatorRead,
    responses=problems(304, 404),
)
async def get_indicator(indicator_id: uuid.UUID, session: SessionDep, _: ReaderDep, response: Response):
    indicator = await service.get_indicator(session, indicator_id)
    return with_etag(response, IndicatorRead.model_validate(indicator))


@router.patch(
    "/v1/indicators/{indicator_id}",
    summary="Revise an indicator (a new revision; the previous ones stay readable)",
    response_model=IndicatorRead,
    responses=problems(404, 409, 412),
)
async def update_indicator(
    indicator_id: uuid.UUID,
    payload: IndicatorUpdate,
    session: SessionDep,
    principal: WriterDep,
    request: Request,
    response: Response,
):
    indicator = await service.get_indicator(session, indicator_id)
    check_if_match(request, IndicatorRead.model_validate(indicator))
    indicator = await service.update_indicator(session, principal, indicator, payload)
    return with_etag(response, IndicatorRead.model_validate(indicator))


@router.delete(
    "/v1/indicators/{indicator_id}",
    summary="Archive an indicator (its values and revisions are kept)",
    response_model=IndicatorRead,
    responses=problems(404, 412),
)
async def archive_indicator(
    indicator_id: uuid.UUID, session: SessionDep, principal: WriterDep, request: Request, response: Response
):
    indicator = await service.get_indicator(session, indicator_id)
    check_if_match(request, IndicatorRead.model_validate(indicator))
    indicator = await service.archive_indicator(session, principal, indicator)
    return with_etag(response, IndicatorRead.model_validate(indicator))


@router.get(
    "/v1/indicators/{indicator_id}/revisions",
    summary="Every revision of an indicator, oldest first",
    response_model=Page[IndicatorRevisionRead],
    responses=problems(404),
)
async def list_indicator_revisions(
    indicator_id: uuid.UUID,
    session: SessionDep,
    _: ReaderDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: IntegerCursorQuery = None,
):
    indicator = await service.get_indicator(session, indicator_id)
    items, next_cursor = await service.list_revisions(session, indicator, cursor=cursor, limit=limit)
    return Page[IndicatorRevisionRead](
        items=[IndicatorRevisionRead.model_validate(r) for r in items], next_cursor=next_cursor
    )
