"""Keyset pagination with opaque cursors.

A cursor is the sort key of the last item of a page. Lists are sorted by one unique column
(a UUIDv7 id, an integer, or a territory code), so a page never skips or repeats an item
when rows are added between two requests.

Each kind of sort key has a cursor format whose pattern the OpenAPI document publishes,
and every string matching that pattern decodes to a position a list can start after: a
well-formed cursor is never refused, and anything else is refused by validation (422)
before the list is read. Ids and integers travel as base64url of their fixed-size bytes;
territory codes, already URL-safe, travel as they are.
"""

import base64
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
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


def _base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _from_base64url(text: str) -> bytes:
    # The pattern fixed the length; bits past the last whole byte are ignored, as decoders do.
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _base64url_pattern(byte_count: int) -> str:
    return rf"^[A-Za-z0-9_-]{{{len(_base64url(bytes(byte_count)))}}}$"


@dataclass(frozen=True)
class CursorFormat:
    """How one kind of sort key is written in a cursor, and the pattern of such cursors."""

    pattern: str
    key_to_cursor: Callable[[Any], str]
    cursor_to_position: Callable[[str], Any]

    def encode(self, key: Any) -> str:
        return self.key_to_cursor(key)

    def decode(self, cursor: str) -> Any:
        """The position the cursor names; a 422 naming `cursor` when it is not one."""
        if not re.fullmatch(self.pattern, cursor):
            raise Invalid.field(["query", "cursor"], "Malformed cursor.", "cursor_invalid")
        return self.cursor_to_position(cursor)


ID_CURSOR = CursorFormat(
    pattern=_base64url_pattern(16),
    key_to_cursor=lambda key: _base64url(key.bytes),
    cursor_to_position=lambda cursor: uuid.UUID(bytes=_from_base64url(cursor)),
)


def _integer_cursor(byte_count: int) -> CursorFormat:
    # Any `byte_count` bytes are a signed integer of that width, which a column of that width
    # can be compared with (PostgreSQL refuses a wider parameter).
    return CursorFormat(
        pattern=_base64url_pattern(byte_count),
        key_to_cursor=lambda key: _base64url(key.to_bytes(byte_count, "big", signed=True)),
        cursor_to_position=lambda cursor: int.from_bytes(_from_base64url(cursor), "big", signed=True),
    )


INTEGER_CURSOR = _integer_cursor(4)  # INTEGER columns: versions, revision numbers
BIG_INTEGER_CURSOR = _integer_cursor(8)  # BIGINT columns: serial ids


def verbatim_cursor(pattern: str) -> CursorFormat:
    """For text keys that are URL-safe already: any text matching the pattern is a position."""
    return CursorFormat(pattern=pattern, key_to_cursor=str, cursor_to_position=str)


def series_position(
    period_end: date, period_start: date, observation_id: uuid.UUID
) -> tuple[int, int, bytes]:
    """The comparable form of a series' sort key: what its cursors decode to."""
    return period_end.toordinal(), period_start.toordinal(), observation_id.bytes


def _encode_series_key(position: tuple[int, int, bytes]) -> str:
    period_end, period_start, observation_id = position
    return _base64url(period_end.to_bytes(4, "big") + period_start.to_bytes(4, "big") + observation_id)


def _decode_series_key(cursor: str) -> tuple[int, int, bytes]:
    raw = _from_base64url(cursor)
    return int.from_bytes(raw[:4], "big"), int.from_bytes(raw[4:8], "big"), raw[8:]


# A time series is ordered by (period_end, period_start, id). Its cursor decodes to the
# comparable form of that key (day ordinals and id bytes), which needs no valid calendar
# date: any well-formed cursor is a position in the series.
SERIES_CURSOR = CursorFormat(
    pattern=_base64url_pattern(24),
    key_to_cursor=_encode_series_key,
    cursor_to_position=_decode_series_key,
)


def paginate(
    statement: Select, column, cursor: str | None, limit: int, cursor_format: CursorFormat = ID_CURSOR
) -> Select:
    """Order by `column`, start after the cursor, fetch one more row to know if a page follows."""
    if cursor is not None:
        statement = statement.where(column > cursor_format.decode(cursor))
    return statement.order_by(column).limit(limit + 1)


def page_of(rows: list, limit: int, key, cursor_format: CursorFormat = ID_CURSOR) -> tuple[list, str | None]:
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, cursor_format.encode(key(rows[-1]))
    return rows, None
