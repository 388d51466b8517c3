"""Webhook subscriptions and their delivery log.

PATCH `active: false` pauses a subscription: deliveries stop (a pending one is marked
`disabled` at its next attempt), and the subscription stays listed with its delivery log,
which is what staff need to answer "did they get it?"; `active: true` resumes it.

DELETE removes it from the API: like a paused one, it gets no more deliveries, and then every
request about it is a 404, as after any DELETE. Its row and delivery log stay in the database
for the record: the deletion is marked by its `disabled_reason`.
"""

import base64
import secrets
import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.errors import Invalid, NotFound, reject_cleared
from services.core.pagination import ID_CURSOR, page_of, paginate
from services.core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from services.core.webhooks.schemas import WebhookCreate, WebhookUpdate
from services.core.webhooks.urls import UnsafeUrl, check_url

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
DELETED_REASON = "Deleted by staff."
DEACTIVATED_REASON = "Deactivated by staff."


def generate_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and the base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


async def _check_url(url: str, allow_private: bool) -> None:
    try:
        await check_url(url, allow_private)
    except UnsafeUrl as exc:
        raise Invalid.field(["body", "url"], str(exc), "unsafe_url") from exc


async def create_webhook(
    session: AsyncSession, payload: WebhookCreate, *, allow_private: bool
) -> WebhookSubscription:
    url = str(payload.url)
    await _check_url(url, allow_private)
    subscription = WebhookSubscription(url=url, events=list(payload.events), secret=generate_secret())
    session.add(subscription)
    await session.flush()
    return subscription


NOT_DELETED = or_(
    col(WebhookSubscription.disabled_reason).is_(None),
    col(WebhookSubscription.disabled_reason) != DELETED_REASON,
)


async def get_webhook(session: AsyncSession, webhook_id: uuid.UUID) -> WebhookSubscription:
    subscription = await session.get(WebhookSubscription, webhook_id)
    if subscription is None or subscription.disabled_reason == DELETED_REASON:
        raise NotFound("No webhook subscription with this id.")
    return subscription


async def list_webhooks(session: AsyncSession, *, cursor: str | None, limit: int):
    """Oldest first (ids are UUIDv7)."""
    live = select(WebhookSubscription).where(NOT_DELETED)
    statement = paginate(live, WebhookSubscription.id, cursor, limit)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda subscription: subscription.id)


async def update_webhook(
    session: AsyncSession, subscription: WebhookSubscription, payload: WebhookUpdate, *, allow_private: bool
) -> WebhookSubscription:
    changes = payload.model_dump(exclude_unset=True, mode="json")
    reject_cleared(changes, ("url", "events", "active"))
    if "url" in changes and changes["url"] != subscription.url:
        await _check_url(changes["url"], allow_private)
        subscription.url = changes["url"]
    if "events" in changes:
        subscription.events = list(changes["events"])
    if "active" in changes and changes["active"] != subscription.active:
        subscription.active = changes["active"]
        subscription.disabled_reason = None if subscription.active else DEACTIVATED_REASON
    await session.flush()
    return subscription


async def delete_webhook(session: AsyncSession, subscription: WebhookSubscription) -> None:
    """Stop it and mark it deleted: see the module docstring."""
    subscription.active = False
    subscription.disabled_reason = DELETED_REASON
    await session.flush()


async def list_deliveries(
    session: AsyncSession, subscription: WebhookSubscription, *, cursor: str | None, limit: int
) -> tuple[list[tuple[WebhookDelivery, list[WebhookAttempt]]], str | None]:
    """The deliveries of a subscription, newest first, each with its attempts (first to last)."""
    statement = select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription.id)
    if cursor is not None:
        statement = statement.where(col(WebhookDelivery.id) < ID_CURSOR.decode(cursor))
    statement = statement.order_by(col(WebhookDelivery.id).desc()).limit(limit + 1)
    deliveries = list((await session.scalars(statement)).all())
    next_cursor = None
    if len(deliveries) > limit:
        deliveries = deliveries[:limit]
        next_cursor = ID_CURSOR.encode(deliveries[-1].id)
    attempts: dict[uuid.UUID, list[WebhookAttempt]] = {delivery.id: [] for delivery in deliveries}
    if deliveries:
        rows = await session.scalars(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id).in_(list(attempts)))
            .order_by(col(WebhookAttempt.attempt), col(WebhookAttempt.id))
        )
        for attempt in rows:
            attempts[attempt.delivery_id].append(attempt)
    return [(delivery, attempts[delivery.id]) for delivery in deliveries], next_cursor
