"""The webhook delivery task: thin; the work is in services.core.webhooks.delivery."""

import uuid

from services.core.webhooks.delivery import deliver
from services.worker.context import TaskContext


async def deliver_webhook(context: TaskContext, delivery_id: str) -> str:
    return await deliver(context.session_factory, context.settings, uuid.UUID(delivery_id))
