from typing import Annotated

from fastapi import APIRouter, Path, Response

from services.api.bodies import LimitedBodyRoute
from services.api.deps import (
    IntegerCursorQuery,
    LimitQuery,
    PublicReaderDep,
    SessionDep,
    StaffDep,
    WrittenAsInteger,
)
from services.api.openapi import problems
from services.core.methodology import service
from services.core.methodology.schemas import MethodologyCreate, MethodologyRead, VersionNumber
from services.core.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/v1/methodologies", tags=["methodologies"], route_class=LimitedBodyRoute)


@router.get("", summary="List the versions of the scoring method", response_model=Page[MethodologyRead])
async def list_methodologies(
    session: SessionDep,
    _: PublicReaderDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: IntegerCursorQuery = None,
):
    items, next_cursor = await service.list_methodologies(session, cursor=cursor, limit=limit)
    return Page[MethodologyRead](
        items=[MethodologyRead.model_validate(m) for m in items], next_cursor=next_cursor
    )


@router.post(
    "",
    status_code=201,
    summary="Create a new version of the scoring method (staff)",
    response_model=MethodologyRead,
)
async def create_methodology(
    payload: MethodologyCreate, session: SessionDep, _: StaffDep, response: Response
):
    methodology = await service.create_methodology(session, payload)
    response.headers["Location"] = f"/v1/methodologies/{methodology.version}"
    return MethodologyRead.model_validate(methodology)


@router.get(
    "/{version}",
    summary="Get one version of the scoring method",
    response_model=MethodologyRead,
    responses=problems(404),
)
async def get_methodology(
    version: Annotated[VersionNumber, Path(), WrittenAsInteger], session: SessionDep, _: PublicReaderDep
):
    return MethodologyRead.model_validate(await service.get_methodology(session, version))
