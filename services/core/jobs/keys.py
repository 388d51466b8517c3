"""Queue keys of jobs: deterministic, so that a second hand-over of the same attempt is ignored.

`<task>:<record id>:<attempt>` for a requested job and its retries, `<task>:<record id>:stale:<unix
time>` for one requeued after its queue entry was lost.
"""

import uuid
from datetime import datetime


def queue_job_key(task: str, record_id: uuid.UUID, attempt: int = 0) -> str:
    return f"{task}:{record_id}:{attempt}"


def stale_job_key(task: str, record_id: uuid.UUID, moment: datetime) -> str:
    return f"{task}:{record_id}:stale:{moment.timestamp():.0f}"


def job_keys_like(task: str, record_id: uuid.UUID) -> str:
    """A LIKE pattern matching every queue key of this job."""
    return f"{task}:{record_id}:%"
