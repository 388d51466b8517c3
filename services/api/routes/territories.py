from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from services.api.bodies import LimitedBodyRoute
from services.api.deps import (
    LimitQuery,
    PublicReaderDep,
    SearchQuery,
    SessionDep,
    StaffDep,
    TerritoryCursorQuery,
)
from services.api.etags import check_if_match, with_etag
from services.api.openapi import problems
from services.core.pagination import DEFAULT_LIMIT, Page
from services.core.territories import service
from services.core.territories.schemas import TerritoryCreate, TerritoryRead, TerritoryUpdate
from services.core.vocabularies import TerritoryLevel

router = APIRouter(prefix="/v1/territories", tags=["territories"], route_class=LimitedBodyRoute)
CodePath = Annotated[str, Path(max_length=64, description="Territory code, e.g. `FR-IDF`.")]


@router.get("", summary="List territories", response_model=Page[TerritoryRead])
async def list_territories(
    session: SessionDep,
    _: PublicReaderDep,
    parent: Annotated[str | None, Query(max_length=64, description="Direct children of this code.")] = None,
    level: TerritoryLevel | None = None,
    q: SearchQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: TerritoryCursorQuery = None,
):
    items, next_cursor = await service.list_territories(
        session, parent=parent, level=level, q=q, cursor=cursor, limit=limit
    )
    return Page[TerritoryRead](
        items=[TerritoryRead.model_validate(t) for t in items], next_cursor=next_cursor
    )


@router.post(
    "",
    status_code=201,
    summary="Add a territory (staff)",
    response_model=TerritoryRead,
    responses=problems(409),
)
async def create_territory(payload: TerritoryCreate, session: SessionDep, _: StaffDep, response: Response):
    territory = await service.create_territory(session, payload)
    response.headers["Location"] = f"/v1/territories/{territory.code}"
    return with_etag(response, TerritoryRead.model_validate(territory))


@router.get("/{code}", summary="Get a territory", response_model=TerritoryRead, responses=problems(304, 404))
async def get_territory(code: CodePath, session: SessionDep, _: PublicReaderDep, response: Response):
    territory = await service.get_territory(session, code)
    return with_etag(response, TerritoryRead.model_validate(territory))


@router.patch(
    "/{code}",
    summary="Change a territory (staff)",
    response_model=TerritoryRead,
    responses=problems(404, 412),
)
async def update_territory(
    code: CodePath,
    payload: TerritoryUpdate,
    session: SessionDep,
    _: StaffDep,
    request: Request,
    response: Response,
):
    territory = await service.get_territory(session, code)
    check_if_match(request, TerritoryRead.model_validate(territory))
    territory = await service.update_territory(session, territory, payload)
    return with_etag(response, TerritoryRead.model_validate(territory))
