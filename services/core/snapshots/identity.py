"""Section 7 of the method: the content hash that identifies a snapshot's scores."""

import hashlib
import json

from services.core.snapshots.models import SCORE_FIELDS


def row_sort_key(row: dict) -> tuple:
    return (row["subject_type"], row["subject_id"] or "", row["axis"])


def content_hash(rows: list[dict]) -> str:
    """SHA-256 of the canonical JSON of the score rows: sorted keys, no whitespace.

    Rows carry floats already rounded to 6 decimals; ids, creation time and K are not part of
    a row (every row is read as all of SCORE_FIELDS, absent ones null), so the same data,
    methodology and T always give the same hash.
    """
    canonical = [{field: row.get(field) for field in SCORE_FIELDS} for row in sorted(rows, key=row_sort_key)]
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()
