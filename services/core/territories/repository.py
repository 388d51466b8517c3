from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import any_
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean
from sqlmodel import col

from services.core.list_queries import Filter, ListQuery, read_columns
from services.core.models_base import table_of
from services.core.territories.models import Territory
from services.core.territories.schemas import TERRITORY_CURSOR, TerritoryRead

territories = table_of(Territory)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(text: str) -> str:
    """The LIKE pattern (escape character `\\`) of a lower-cased text search for `text`."""
    return f"%{escape_like(text.lower())}%"


def subtree_pattern(code: str) -> str:
    """The LIKE pattern (escape character `\\`) of the paths of `code` and of everything under it."""
    return f"%/{escape_like(code)}/%"


def _codes_matching(pattern) -> Select:
    return select(territories.c.code).where(territories.c.path.like(pattern, escape="\\"))


def codes_within(code: str) -> Select:
    """Codes of the territory `code` and of every territory under it, as a subquery."""
    return _codes_matching(subtree_pattern(code))


class _CodeWithin(ColumnElement[bool]):
    """`column` is one of the codes of `codes`: `IN (subquery)`, but on PostgreSQL
    `= ANY(ARRAY(subquery))`, an array computed once, which costs it less than a semi-join."""

    __visit_name__ = "code_within"
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("codes", InternalTraversal.dp_clauseelement),
    ]
    type = Boolean()

    def __init__(self, column: ColumnElement, codes: Select) -> None:
        self.column = column
        self.codes = codes


@compiles(_CodeWithin)
def _code_within_as_in(element: _CodeWithin, compiler, **kw) -> str:
    return compiler.process(element.column.in_(element.codes), **kw)


@compiles(_CodeWithin, "postgresql")
def _code_within_as_any(element: _CodeWithin, compiler, **kw) -> str:
    codes = func.array(element.codes.scalar_subquery())
    return compiler.process(element.column.operate(operators.eq, any_(codes)), **kw)


def code_within(column: ColumnElement, pattern) -> ColumnElement[bool]:
    """`column` is a territory's code or the code of one under it, `pattern` its
    subtree_pattern (a value or a bound parameter)."""
    return _CodeWithin(column, _codes_matching(pattern))


async def get(session: AsyncSession, code: str) -> Territory | None:
    return await session.get(Territory, code)


TERRITORY_LIST = ListQuery(
    model=Territory,
    columns=read_columns(TerritoryRead, territories),
    where=(),
    filters={
        "parent": Filter(lambda parent: territories.c.parent_code == parent),
        "level": Filter(lambda level: territories.c.level == level),
        "q": Filter(
            lambda pattern: or_(
                func.lower(territories.c.name).like(pattern, escape="\\"),
                func.lower(territories.c.code).like(pattern, escape="\\"),
            ),
            contains_pattern,
        ),
    },
    key=territories.c.code,
    cursor_format=TERRITORY_CURSOR,
)


async def move_subtree(session: AsyncSession, old_path: str, new_path: str) -> None:
    """Rewrite the path of every territory under `old_path` after its root moved."""
    await session.execute(
        update(Territory)
        .where(col(Territory.path).like(f"{escape_like(old_path)}%", escape="\\"))
        .values(path=new_path + func.substr(Territory.path, len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )
