"""Queue keys of jobs: every kind of key names its job's record, which the stale-job sweep reads
to tell which jobs still have a hand-over waiting."""

import uuid
from datetime import UTC, datetime

from services.core.jobs.keys import queue_job_key, record_id_in, stale_job_key, task_keys_like

RECORD = uuid.UUID("01a22a00-eacb-70a9-8f6f-026c4a760562")


def test_every_key_of_a_job_names_its_record_and_matches_its_task():
    keys = [
        queue_job_key("aggregate", RECORD),
        queue_job_key("aggregate", RECORD, 2),
        stale_job_key("aggregate", RECORD, datetime(2026, 11, 30, 1, 0, tzinfo=UTC)),
        queue_job_key("aggregate", RECORD) + ":resumed:1764464400",
    ]
    for key in keys:
        assert record_id_in(key) == str(RECORD), key
        assert key.startswith(task_keys_like("aggregate").removesuffix("%")), key
    assert not queue_job_key("preview", RECORD).startswith(task_keys_like("aggregate").removesuffix("%"))
