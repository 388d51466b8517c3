"""Keyset pagination with opaque cursors.

A cursor is the sort key of the last item of a page, base64url-encoded JSON. Lists are
sorted by one unique column (a UUIDv7 id, or a territory code), so a page never skips
or repeats an item when rows are added between two requests.
"""

import base64
import binascii
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select

from services.core.errors import Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(key: Any) -> str:
    raw = json.dumps({"k": str(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = payload["k"]
        if not isinstance(key, str):
            raise TypeError
        return key
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise Invalid.field(["query", "cursor"], "Malformed cursor.", "cursor_invalid") from exc


def paginate(statement: Select, column, cursor: str | None, limit: int, parse=str) -> Select:
    """Order by `column`, start after the cursor, fetch one more row to know if a page follows."""
    if cursor is not None:
        try:
            after = parse(decode_cursor(cursor))
            if isinstance(after, int) and not -(2**63) <= after < 2**63:
                raise ValueError("out of the range of a database integer")
        except ValueError as exc:
            raise Invalid.field(["query", "cursor"], "Malformed cursor.", "cursor_invalid") from exc
        statement = statement.where(column > after)
    return statement.order_by(column).limit(limit + 1)


def page_of(rows: list, limit: int, key) -> tuple[list, str | None]:
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None
