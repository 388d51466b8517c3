import uuid

from fastapi import APIRouter, Request, Response

from services.api.bodies import LimitedBodyRoute
from services.api.deps import CursorQuery, LimitQuery, SessionDep, StaffDep
from services.api.etags import check_if_match, with_etag
from services.api.openapi import problems
from services.core.pagination import DEFAULT_LIMIT, Page
from services.core.webhooks import service
from services.core.webhooks.schemas import (
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=LimitedBodyRoute)


def _allow_private(request: Request) -> bool:
    return request.app.state.settings.webhook_allow_private


@router.post(
    "",
    status_code=201,
    summary="Subscribe to events (staff; the signing secret is shown once)",
    response_model=WebhookCreated,
)
async def create_webhook(
    payload: WebhookCreate, session: SessionDep, _: StaffDep, request: Request, response: Response
):
    subscription = await service.create_webhook(session, payload, allow_private=_allow_private(request))
    read = WebhookRead.model_validate(subscription)
    response.headers["Location"] = f"/v1/webhooks/{subscription.id}"
    response.headers["Cache-Control"] = "no-store"
    with_etag(response, read)
    return WebhookCreated(**read.model_dump(), secret=subscription.secret)


@router.get("", summary="List webhook subscriptions (staff)", response_model=Page[WebhookRead])
async def list_webhooks(
    session: SessionDep, _: StaffDep, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
):
    items, next_cursor = await service.list_webhooks(session, cursor=cursor, limit=limit)
    return Page[WebhookRead](items=[WebhookRead.model_validate(s) for s in items], next_cursor=next_cursor)


@router.get(
    "/{webhook_id}",
    summary="Get a webhook subscription (staff; never its secret)",
    response_model=WebhookRead,
    responses=problems(304, 404),
)
async def get_webhook(webhook_id: uuid.UUID, session: SessionDep, _: StaffDep, response: Response):
    subscription = await service.get_webhook(session, webhook_id)
    return with_etag(response, WebhookRead.model_validate(subscription))


@router.patch(
    "/{webhook_id}",
    summary="Change a webhook subscription's URL, events or active state (staff)",
    response_model=WebhookRead,
    responses=problems(404, 412),
)
async def update_webhook(
    webhook_id: uuid.UUID,
    payload: WebhookUpdate,
    session: SessionDep,
    _: StaffDep,
    request: Request,
    response: Response,
):
    subscription = await service.get_webhook(session, webhook_id)
    check_if_match(request, WebhookRead.model_validate(subscription))
    subscription = await service.update_webhook(
        session, subscription, payload, allow_private=_allow_private(request)
    )
    return with_etag(response, WebhookRead.model_validate(subscription))


@router.delete(
    "/{webhook_id}",
    status_code=204,
    summary="Delete a webhook subscription (staff; to pause it and keep its log, PATCH active: false)",
    responses=problems(404),
)
async def delete_webhook(webhook_id: uuid.UUID, session: SessionDep, _: StaffDep):
    subscription = await service.get_webhook(session, webhook_id)
    await service.delete_webhook(session, subscription)
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    summary="List a subscription's deliveries, newest first, with every attempt (staff)",
    response_model=Page[DeliveryRead],
    responses=problems(404),
)
async def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    session: SessionDep,
    _: StaffDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
):
    subscription = await service.get_webhook(session, webhook_id)
    rows, next_cursor = await service.list_deliveries(session, subscription, cursor=cursor, limit=limit)
    items = [DeliveryRead.of(delivery, attempts) for delivery, attempts in rows]
    return Page[DeliveryRead](items=items, next_cursor=next_cursor)
