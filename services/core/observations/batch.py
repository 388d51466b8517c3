"""A JSON batch of observations: a list of items, each checked on its own."""

from collections.abc import Sequence
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError

from services.core.errors import Invalid
from services.core.observations import service
from services.core.observations.ingest import MAX_BATCH_ITEMS, ItemErrors
from services.core.observations.periods import PeriodError
from services.core.observations.schemas import BatchObservation
from services.core.observations.service import IncomingValue

_items_adapter = TypeAdapter(list[BatchObservation])


class BatchTooLarge(Exception):
    pass


def parse_batch(data: Any) -> tuple[list[IncomingValue], ItemErrors]:
    errors = ItemErrors("index")
    if not isinstance(data, list):
        raise Invalid.field(["body"], "The body must be a JSON array of observations.", "list_type")
    if len(data) > MAX_BATCH_ITEMS:
        # The document states the limit (maxItems): past it, the body is invalid like any other
        # (a file has no such schema, and over the limit it is a 413 of csv_format).
        raise Invalid.field(
            ["body"], f"A batch holds at most {MAX_BATCH_ITEMS} items; this one has {len(data)}.", "too_long"
        )
    items: Sequence[BatchObservation | None]
    try:
        items = _items_adapter.validate_python(data)
    except ValidationError as exc:
        bad: set[int] = set()
        for error in exc.errors():
            index = cast(int, error["loc"][0])  # the errors of a list are located by position
            bad.add(index)
            field = ".".join(str(part) for part in error["loc"][1:]) or None
            errors.add(index, field, error["msg"], error["type"])
        # Validate the good items one by one so that their period errors are reported too.
        items = [
            None if index in bad else BatchObservation.model_validate(item) for index, item in enumerate(data)
        ]
    values = []
    for index, item in enumerate(items):
        if item is None:
            continue
        try:
            values.append(service.from_json(index, item.indicator_id, item))
        except PeriodError as exc:
            errors.add(index, "period", str(exc), "period")
    return values, errors
