"""The hot list reads on PostgreSQL: one statement, straight from the driver, rows as dicts.

Reading a page of 50 through the ORM costs milliseconds of Python per request: an object per
row and per related row (loaded by further queries), then a validation of each into its read
schema. On PostgreSQL the most requested lists (catalysts, alliances, snapshot scores) read
their page in one statement, the related codes as arrays, on the asyncpg connection under
the request's session, and give each row as a dict laid out like its read schema (same keys
in the same order, lists sorted the same way), ready to be encoded. The ORM path stays, for
SQLite and as the reference the fast path is tested against.

The statements are written out here and mirror the SQLAlchemy ones of the repositories
filter for filter; the API tests run both on PostgreSQL and SQLite.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.db import driver_connection, uses_postgresql
from services.core.pagination import ID_CURSOR, page_of


class Statement:
    """A SELECT built clause by clause, its parameters numbered as asyncpg wants them."""

    def __init__(self, select: str) -> None:
        self.select = select
        self.conditions: list[str] = []
        self.args: list[Any] = []

    def param(self, value: Any) -> str:
        """A placeholder for `value` (StrEnum members are sent as their text)."""
        self.args.append(str(value) if isinstance(value, str) else value)
        return f"${len(self.args)}"

    def where(self, condition: str, *values: Any) -> None:
        """A condition whose `{}` are placeholders for `values`, in order."""
        self.conditions.append(condition.format(*(self.param(value) for value in values)))

    def sql(self, order_by: str, limit: int) -> str:
        where = f" WHERE {' AND '.join(self.conditions)}" if self.conditions else ""
        return f"{self.select}{where} ORDER BY {order_by} LIMIT {int(limit)}"

    async def fetch(self, session: AsyncSession, order_by: str, limit: int) -> list:
        connection = await driver_connection(session)
        return await connection.fetch(self.sql(order_by, limit), *self.args)


def select_list(fields, alias: str, expressions: dict[str, str] | None = None) -> str:
    """`alias."field" AS "field"` for each field of a read schema, in its order, or the SQL
    expression given for it (quoted: some columns are called `min`, `max`...)."""
    expressions = expressions or {}
    return ", ".join(
        f"{expressions.get(field, f'{alias}.{quote(field)}')} AS {quote(field)}" for field in fields
    )


def quote(name: str) -> str:
    return f'"{name}"'


async def read_page(
    session: AsyncSession,
    read_schema: type[BaseModel],
    cursor: str | None,
    limit: int,
    read_rows: Callable[..., Awaitable[list[dict]]],
    orm_page: Callable[..., Awaitable[tuple[list, str | None]]],
) -> tuple[list[dict], str | None]:
    """A page of a list sorted by id, as `read_schema`-shaped dicts: on PostgreSQL
    `read_rows(session, after=, limit=)` reads them in one statement; elsewhere
    `orm_page(session, cursor=, limit=)` loads the models, validated into the schema."""
    if uses_postgresql(session):
        after = ID_CURSOR.decode(cursor) if cursor is not None else None
        rows = await read_rows(session, after=after, limit=limit + 1)
        return page_of(rows, limit, key=lambda row: row["id"])
    models, next_cursor = await orm_page(session, cursor=cursor, limit=limit)
    return [read_schema.model_validate(model).model_dump() for model in models], next_cursor
