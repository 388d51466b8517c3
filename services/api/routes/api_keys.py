import uuid

from fastapi import APIRouter, BackgroundTasks, Request, Response

from services.api.bodies import LimitedBodyRoute
from services.api.deps import CursorQuery, LimitQuery, SessionDep, StaffDep
from services.api.openapi import problems
from services.core.auth import service
from services.core.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from services.core.invalidations import Change, announce
from services.core.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"], route_class=LimitedBodyRoute)


@router.post(
    "",
    status_code=201,
    summary="Create an API key (staff; the secret is shown once)",
    response_model=ApiKeyCreated,
)
async def create_api_key(payload: ApiKeyCreate, session: SessionDep, _: StaffDep, response: Response):
    api_key, secret = await service.create_api_key(session, payload)
    response.headers["Location"] = f"/v1/api-keys/{api_key.id}"
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreated(**ApiKeyRead.model_validate(api_key).model_dump(), key=secret)


@router.get("", summary="List API keys (staff)", response_model=Page[ApiKeyRead])
async def list_api_keys(
    session: SessionDep, _: StaffDep, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
):
    items, next_cursor = await service.list_api_keys(session, cursor=cursor, limit=limit)
    return Page[ApiKeyRead](items=[ApiKeyRead.model_validate(k) for k in items], next_cursor=next_cursor)


@router.get(
    "/{api_key_id}",
    summary="Get an API key (staff; never its secret)",
    response_model=ApiKeyRead,
    responses=problems(404),
)
async def get_api_key(api_key_id: uuid.UUID, session: SessionDep, _: StaffDep):
    return ApiKeyRead.model_validate(await service.get_api_key(session, api_key_id))


@router.delete(
    "/{api_key_id}",
    summary="Revoke an API key (staff)",
    response_model=ApiKeyRead,
    responses=problems(404),
)
async def revoke_api_key(
    api_key_id: uuid.UUID, session: SessionDep, _: StaffDep, request: Request, background: BackgroundTasks
):
    api_key = await service.get_api_key(session, api_key_id)
    revoked = ApiKeyRead.model_validate(await service.revoke_api_key(session, api_key))
    # Every process drops the key from its cache: after the commit (background tasks run once
    # the response is sent), or one of them could read the key, still live, and keep it again.
    background.add_task(announce, request.app.state.settings.redis_url, Change.API_KEY, api_key_id)
    return revoked
