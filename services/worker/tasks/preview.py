"""The preview task: thin and idempotent; the work is in services.core.previews."""

import uuid

from services.core.jobs.lifecycle import run_attempt
from services.core.previews.run import fail_preview, run_preview
from services.core.previews.service import PREVIEW
from services.worker.context import TaskContext


async def preview(context: TaskContext, preview_id: str) -> bool:
    stored = await run_attempt(
        context.session_factory,
        PREVIEW,
        uuid.UUID(preview_id),
        run_preview,
        max_tries=context.settings.job_max_tries,
        timeout_seconds=context.settings.job_timeout_seconds,
        fail=fail_preview,
    )
    return bool(stored)
