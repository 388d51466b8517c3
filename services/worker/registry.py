"""Task names (as written in the outbox) and the functions that run them."""

from services.worker.tasks.aggregate import aggregate
from services.worker.tasks.deliver_webhook import deliver_webhook
from services.worker.tasks.preview import preview

TASKS = {
    "aggregate": aggregate,
    "deliver_webhook": deliver_webhook,
    "preview": preview,
}
