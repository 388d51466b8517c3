"""Announcing an event: one delivery per active subscription, queued through the outbox
in the caller's transaction (so an event is announced if and only if it happened)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.clock import utcnow
from services.core.outbox.service import enqueue
from services.core.webhooks.models import WebhookDelivery, WebhookSubscription

EVENT_TYPES = ("snapshot.published", "aggregation_job.failed")
DELIVER_TASK = "deliver_webhook"


def delivery_job_key(delivery_id, attempt: int) -> str:
    return f"webhook:{delivery_id}:{attempt}"


async def announce(session: AsyncSession, event_type: str, data: dict[str, Any]) -> int:
    """Queue `event_type` to every active subscriber of it; returns the number of deliveries."""
    subscriptions = (
        await session.scalars(select(WebhookSubscription).where(col(WebhookSubscription.active).is_(True)))
    ).all()
    now = utcnow()
    count = 0
    for subscription in subscriptions:
        if event_type not in subscription.events:
            continue
        delivery = WebhookDelivery(
            subscription_id=subscription.id,
            event_type=event_type,
            payload={"type": event_type, "timestamp": now.isoformat(), "data": data},
            next_attempt_at=now,
        )
        session.add(delivery)
        await session.flush()
        await enqueue(session, DELIVER_TASK, [str(delivery.id)], delivery_job_key(delivery.id, 0))
        count += 1
    return count
