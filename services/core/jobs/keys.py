"""Queue keys of jobs: deterministic, so that a second hand-over of the same attempt is ignored.

`<task>:<record id>:<attempt>` for a requested job and its retries, `<task>:<record id>:stale:<unix
time>` for one requeued after its queue entry was lost, and `<key>:resumed:<...>` for one the
in-process runner queued again at shutdown (services.worker.inline).
"""

import uuid
from datetime import datetime


def queue_job_key(task: str, record_id: uuid.UUID, attempt: int = 0) -> str:
    return f"{task}:{record_id}:{attempt}"


def stale_job_key(task: str, record_id: uuid.UUID, moment: datetime) -> str:
    return f"{task}:{record_id}:stale:{moment.timestamp():.0f}"


def task_keys_like(task: str) -> str:
    """A LIKE pattern matching every queue key of this task's jobs."""
    return f"{task}:%"


def record_id_in(key: str) -> str:
    """The record id a queue key names, as text."""
    return key.split(":", 2)[1]
