import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.api.bodies import LimitedBodyRoute
from services.api.deps import CursorQuery, LimitQuery, ReaderDep, SearchQuery, SessionDep, WriterDep
from services.api.etags import check_if_match, with_etag
from services.api.openapi import problems
from services.api.routes.catalysts import TerritoryFilter
from services.core.organisations import service
from services.core.organisations.schemas import (
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
)
from services.core.pagination import DEFAULT_LIMIT, Page
from services.core.vocabularies import ActorType

router = APIRouter(prefix="/v1/organisations", tags=["organisations"], route_class=LimitedBodyRoute)


@router.get("", summary="List organisations", response_model=Page[OrganisationRead])
async def list_organisations(
    session: SessionDep,
    _: ReaderDep,
    actor_type: ActorType | None = None,
    territory: TerritoryFilter = None,
    siren: Annotated[str | None, Query(max_length=9, pattern=r"^\d{9}$")] = None,
    q: SearchQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
):
    items, next_cursor = await service.list_organisations(
        session,
        actor_type=actor_type,
        territory=territory,
        siren=siren,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    return Page[OrganisationRead](
        items=[OrganisationRead.model_validate(o) for o in items], next_cursor=next_cursor
    )


@router.post("", status_code=201, summary="Register an organisation", response_model=OrganisationRead)
async def create_organisation(
    payload: OrganisationCreate, session: SessionDep, principal: WriterDep, response: Response
):
    organisation = await service.create_organisation(session, principal, payload)
    response.headers["Location"] = f"/v1/organisations/{organisation.id}"
    return with_etag(response, OrganisationRead.model_validate(organisation))


@router.get(
    "/{organisation_id}",
    summary="Get an organisation",
    response_model=OrganisationRead,
    responses=problems(304, 404),
)
async def get_organisation(
    organisation_id: uuid.UUID,
    session: SessionDep,
    _: ReaderDep,
    response: Response,
):
    organisation = await service.get_organisation(session, organisation_id)
    return with_etag(response, OrganisationRead.model_validate(organisation))


@router.patch(
    "/{organisation_id}",
    summary="Change an organisation (staff, or the catalyst that registered it)",
    response_model=OrganisationRead,
    responses=problems(404, 412),
)
async def update_organisation(
    organisation_id: uuid.UUID,
    payload: OrganisationUpdate,
    session: SessionDep,
    principal: WriterDep,
    request: Request,
    response: Response,
):
    organisation = await service.get_organisation(session, organisation_id)
    check_if_match(request, OrganisationRead.model_validate(organisation))
    organisation = await service.update_organisation(session, principal, organisation, payload)
    return with_etag(response, OrganisationRead.model_validate(organisation))
