"""An incoming value: the observation a request asks to write, built in one place.

A value arrives as a JSON object (one observation, or an item of a batch) or as a line of a
CSV file; either way it becomes an `IncomingValue`, which `ingest` checks against its
indicator and writes. The limits of its texts are defined here once, for the table, the
request schemas and the CSV reader.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from services.core.observations.periods import PeriodError, parse_period, resolve_period
from services.core.vocabularies import ObservationStatus

if TYPE_CHECKING:
    from services.core.observations.schemas import ObservationCreate

MAX_SOURCE_LENGTH = 500
MAX_COMMENT_LENGTH = 2000
MAX_STATUS_LENGTH = 16
TEXT_LIMITS = {"source": MAX_SOURCE_LENGTH, "comment": MAX_COMMENT_LENGTH}
STATUSES = frozenset(status.value for status in ObservationStatus)


@dataclass(slots=True)
class IncomingValue:
    position: int  # index in a JSON batch, line number in a CSV file
    indicator_id: uuid.UUID
    period_start: date
    period_end: date
    value: float
    status: str
    source: str | None
    comment: str | None


class ErrorSink(Protocol):
    """Where the problems of an item go (ingest.ItemErrors), each pinned to its position."""

    def add(self, position: int, field: str | None, msg: str, code: str) -> None: ...


def from_json(position: int, indicator_id: uuid.UUID, item: "ObservationCreate") -> IncomingValue:
    """The value of a JSON object the request schema has validated (texts, status, number).

    Raises PeriodError when its period is missing, given twice or reversed.
    """
    start, end = resolve_period(item.period, item.period_start, item.period_end)
    return IncomingValue(
        position=position,
        indicator_id=indicator_id,
        period_start=start,
        period_end=end,
        value=item.value,
        status=item.status.value,
        source=item.source,
        comment=item.comment,
    )


def from_csv(
    line: int, cells: dict[str, str], read_number: Callable[[str], float], errors: ErrorSink
) -> IncomingValue | None:
    """The value of a CSV line (`cells` by column name), or None after adding every problem
    of the line to `errors`. `read_number` reads the value cell in the file's number format
    and raises ValueError with the message to show."""
    found_problem = False

    def problem(field: str, msg: str, code: str) -> None:
        nonlocal found_problem
        found_problem = True
        errors.add(line, field, msg, code)

    indicator_id = period = value = None
    try:
        indicator_id = uuid.UUID(cells["indicator_id"].strip())
    except ValueError:
        problem("indicator_id", "Not a valid indicator id (UUID).", "uuid_parsing")
    try:
        period = parse_period(cells["period"])
    except PeriodError as exc:
        problem("period", str(exc), "period")
    try:
        value = read_number(cells["value"])
    except ValueError as exc:
        problem("value", str(exc), "float_parsing")
    status = (cells.get("status") or "").strip() or ObservationStatus.final.value
    if status not in STATUSES:
        problem("status", f"Status must be one of {', '.join(sorted(STATUSES))}.", "enum")
    texts: dict[str, str | None] = {}
    for field, limit in TEXT_LIMITS.items():
        text = (cells.get(field) or "").strip() or None
        texts[field] = text
        if text is not None and len(text) > limit:
            problem(field, f"At most {limit} characters.", "string_too_long")
    if found_problem or indicator_id is None or period is None or value is None:
        return None
    return IncomingValue(
        position=line,
        indicator_id=indicator_id,
        period_start=period[0],
        period_end=period[1],
        value=value,
        status=status,
        source=texts["source"],
        comment=texts["comment"],
    )
