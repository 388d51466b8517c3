"""The list reads, each written once as a SQLAlchemy Core statement, and run on either database.

A list (catalysts, alliances, territories, a snapshot's score rows) is declared once as a
`ListQuery`: the columns of its read schema, labelled as the schema's fields and in their
order (related codes as arrays, from correlated subqueries); the conditions every listed row
meets; its filters, each a condition on one bound parameter and the way a query value becomes
that parameter; and the unique column that sorts and pages it. The filters a request uses
and its limit make the statement's *shape*: the statement of each shape is built once, its
parameters left unbound, and every request of that shape only binds its values.

On PostgreSQL the statement is also compiled once per shape for asyncpg (positional `$n`
parameters) and run straight on the driver connection under the request's session: one
round trip, each row a dict laid out as the read schema, ready to be encoded
(services/api/pages). Reading a page through the ORM instead costs milliseconds of Python:
an object per row and per related row, loaded by further queries, then a validation of each.

Elsewhere (SQLite, which has no arrays) the same statement's conditions, order and limit
select the models (`model_statement`), whose relationships give the related codes.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any, NamedTuple

from pydantic import BaseModel
from sqlalchemy import BindParameter, ColumnElement, Select, String, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.db import driver_connection, uses_postgresql
from services.core.pagination import CursorFormat, page_of

AFTER = "after"  # the parameter of the cursor: rows whose key comes after it
# The statements, and their SQL, kept per list: the most recently used shapes.
SHAPES_KEPT = 256
_KEY_LABEL = "_key"  # the key's label when the read schema does not list it
_ASYNCPG = asyncpg_dialect()


def _as_given(value: Any) -> Any:
    return value


class Shape(NamedTuple):
    """What a read's statement depends on: the parameters it binds (its filters and the
    cursor), in a fixed order, and its limit.

    The limit is written into the statement's text rather than bound: with `LIMIT $n`
    PostgreSQL plans a prepared statement's generic plan for a tenth of the table, which makes
    it look dearer than a custom plan, so that it would plan the statement again on every
    request."""

    parameters: tuple[str, ...]
    limit: int | None


@dataclass(frozen=True)
class Filter:
    """A condition on one bound parameter, and how a query value becomes that parameter."""

    condition: Callable[[BindParameter], ColumnElement[bool]]
    parameter: Callable[[Any], Any] = _as_given


def bound_conditions(filters: Mapping[str, Filter], values: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """The conditions of the filters given a value (not None), their values bound: for a
    statement built once, e.g. a comparison, rather than read per request."""
    return [
        filters[name].condition(bindparam(name, filters[name].parameter(value), unique=True))
        for name, value in values.items()
        if value is not None
    ]


def read_columns(
    schema: type[BaseModel], table, computed: Mapping[str, ColumnElement] | None = None
) -> dict[str, ColumnElement]:
    """The column of `table` of each field of `schema`, in its order, or the expression
    `computed` gives for it."""
    computed = computed or {}
    return {field: computed[field] if field in computed else table.c[field] for field in schema.model_fields}


def array_of(column, *, where: ColumnElement[bool]) -> ColumnElement:
    """The values of `column` in the rows of its table that meet `where` (a correlated
    subquery), as a PostgreSQL array sorted as sorted() sorts them: text by code point
    (collation "C"), whatever the database's collation."""
    column_type = getattr(column.type, "impl_instance", column.type)  # under a TypeDecorator
    order = column.collate("C") if isinstance(column_type, String) else column
    return func.array(select(column).where(where).order_by(order).scalar_subquery())


@dataclass(frozen=True)
class CompiledList:
    """A shape's statement as asyncpg runs it."""

    sql: str
    # The parameter each `$n` stands for, in order, and the conversion its type asks for.
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        return [
            parameters[name] if processor is None else processor(parameters[name])
            for name, processor in zip(self.names, self.processors, strict=True)
        ]


def _compile_for_asyncpg(statement: Select) -> CompiledList:
    compiled = statement.compile(dialect=_ASYNCPG)
    processors = {
        compiled.bind_names[parameter]: parameter.type.dialect_impl(_ASYNCPG).bind_processor(_ASYNCPG)
        for parameter in compiled.bind_names
    }
    names = tuple(compiled.positiontup or ())
    return CompiledList(compiled.string, names, tuple(processors[name] for name in names))


class ListQuery:
    """One list's statement, written once (see the module's documentation).

    `columns`: what a row holds, by label, in order; `where`: the conditions every row
    meets; `filters`: the optional ones, by the name of their query value; `key`: the
    unique column rows are sorted and paged by; `model`: the ORM model of the rows;
    `decoders`: what turns a column the driver gives as text into its value (JSON)."""

    def __init__(
        self,
        *,
        model,
        columns: Mapping[str, ColumnElement],
        where: Iterable[ColumnElement[bool]],
        filters: Mapping[str, Filter],
        key,
        cursor_format: CursorFormat,
        decoders: Mapping[str, Callable[[Any], Any]] | None = None,
    ) -> None:
        self.model = model
        self.filters = dict(filters)
        self.key = key
        self.cursor_format = cursor_format
        self._decoders = dict(decoders or {})
        key_label = next((label for label, column in columns.items() if column is key), None)
        self._key_label = key_label or _KEY_LABEL
        self._key_is_listed = key_label is not None
        labelled = [column.label(label) for label, column in columns.items()]
        if not self._key_is_listed:
            labelled.append(key.label(_KEY_LABEL))
        where = tuple(where)
        self._base = select(*labelled).where(*where)
        self._model_base = select(model).where(*where)
        self.statement = lru_cache(maxsize=SHAPES_KEPT)(self._statement)
        self.model_statement = lru_cache(maxsize=SHAPES_KEPT)(self._model_statement)
        self.compiled = lru_cache(maxsize=SHAPES_KEPT)(self._compiled)

    def arguments(
        self, values: Mapping[str, Any], *, after: Any = None, limit: int | None = None
    ) -> tuple[Shape, dict[str, Any]]:
        """The shape of a read and the value of each of its parameters. A filter whose value
        is None is not applied."""
        unknown = values.keys() - self.filters.keys()
        if unknown:
            raise TypeError(f"unknown filters: {', '.join(sorted(unknown))}")
        parameters = {}
        for name, list_filter in self.filters.items():
            value = values.get(name)
            if value is not None:
                # StrEnum members are sent as their text: asyncpg wants a str.
                parameters[name] = list_filter.parameter(str(value) if isinstance(value, str) else value)
        if after is not None:
            parameters[AFTER] = after
        return Shape(tuple(parameters), limit), parameters

    # statement, model_statement and compiled: these, kept for the last SHAPES_KEPT shapes.
    def _statement(self, shape: Shape) -> Select:
        """The statement of a shape: the rows as `columns`, in key order."""
        return self._build(self._base, shape)

    def _model_statement(self, shape: Shape) -> Select:
        """The statement of a shape selecting the models instead of the columns (the same
        conditions, order and limit)."""
        return self._build(self._model_base, shape)

    def _compiled(self, shape: Shape) -> CompiledList:
        """The statement of a shape as asyncpg runs it."""
        return _compile_for_asyncpg(self.statement(shape))

    def _build(self, statement: Select, shape: Shape) -> Select:
        for name in shape.parameters:
            if name == AFTER:
                statement = statement.where(self.key > bindparam(AFTER, type_=self.key.type))
            else:
                statement = statement.where(self.filters[name].condition(bindparam(name)))
        if shape.limit is not None:
            statement = statement.limit(literal_column(str(int(shape.limit))))
        return statement.order_by(self.key)

    async def records(
        self, session: AsyncSession, values: Mapping[str, Any], *, after: Any = None, limit: int | None = None
    ) -> list:
        """The rows, as asyncpg records, read on the driver connection (PostgreSQL only)."""
        shape, parameters = self.arguments(values, after=after, limit=limit)
        compiled = self.compiled(shape)
        connection = await driver_connection(session)
        return await connection.fetch(compiled.sql, *compiled.arguments(parameters))

    async def models(
        self, session: AsyncSession, values: Mapping[str, Any], *, after: Any = None, limit: int | None = None
    ) -> list:
        """The rows as models, through the ORM."""
        shape, parameters = self.arguments(values, after=after, limit=limit)
        return list((await session.scalars(self.model_statement(shape), parameters)).all())

    async def model_page(
        self, session: AsyncSession, values: Mapping[str, Any], *, cursor: str | None, limit: int
    ) -> tuple[list, str | None]:
        """A page of models, and the cursor of the next page (or None)."""
        after = self.cursor_format.decode(cursor) if cursor is not None else None
        models = await self.models(session, values, after=after, limit=limit + 1)
        return page_of(models, limit, key=attrgetter(self.key.key), cursor_format=self.cursor_format)

    async def read_page(
        self,
        session: AsyncSession,
        schema: type[BaseModel],
        values: Mapping[str, Any],
        *,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict], str | None]:
        """A page as dicts laid out as `schema` (the fields of `columns`), and the cursor of
        the next page: on PostgreSQL in one statement on the driver, elsewhere from the
        models, validated into `schema`."""
        if not uses_postgresql(session):
            models, next_cursor = await self.model_page(session, values, cursor=cursor, limit=limit)
            return [schema.model_validate(model).model_dump() for model in models], next_cursor
        after = self.cursor_format.decode(cursor) if cursor is not None else None
        records = await self.records(session, values, after=after, limit=limit + 1)
        next_cursor = None
        if len(records) > limit:
            records = records[:limit]
            next_cursor = self.cursor_format.encode(records[-1][self._key_label])
        return [self._row(record) for record in records], next_cursor

    def _row(self, record) -> dict:
        row = dict(record)
        if not self._key_is_listed:
            del row[_KEY_LABEL]
        for label, decode in self._decoders.items():
            row[label] = decode(row[label])
        return row
