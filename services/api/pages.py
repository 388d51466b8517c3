"""A page of a list endpoint, encoded once.

A route that returns a model has it validated again against its response model, then
serialised: for 50 items that costs more than the rest of a read. The hot lists give their
items already laid out as the response model's fields (see services/core/list_queries) and
return them as this response instead: the same bytes FastAPI would write for `Page[...]`
(same key order; UTC times with `Z`, as pydantic writes them), encoded by orjson.
"""

import uuid

import orjson
from fastapi import Response


def _default(value):
    # asyncpg gives its own UUID class, which orjson does not take for a uuid.UUID.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__} in JSON")


def page_response(items: list[dict], next_cursor: str | None) -> Response:
    body = orjson.dumps(
        {"items": items, "next_cursor": next_cursor}, default=_default, option=orjson.OPT_UTC_Z
    )
    return Response(content=body, media_type="application/json")
