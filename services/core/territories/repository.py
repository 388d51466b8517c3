from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.pg_reads import Statement
from services.core.territories.models import Territory


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def subtree_pattern(code: str) -> str:
    """The LIKE pattern (escape character `\\`) of the paths of `code` and of everything under it."""
    return f"%/{escape_like(code)}/%"


def codes_within(code: str) -> Select:
    """Codes of the territory `code` and of every territory under it, as a subquery."""
    return select(Territory.code).where(Territory.path.like(subtree_pattern(code), escape="\\"))


def where_code_within(statement: Statement, column: str, code: str) -> None:
    """codes_within for a pg_reads statement: `column` is `code` or a code under it."""
    # An array computed once costs PostgreSQL less than a semi-join.
    statement.where(
        f"{column} = ANY(ARRAY(SELECT code FROM territories WHERE path LIKE {{}} ESCAPE '\\'))",
        subtree_pattern(code),
    )


async def get(session: AsyncSession, code: str) -> Territory | None:
    return await session.get(Territory, code)


def list_statement(parent: str | None, level: str | None, q: str | None) -> Select:
    statement = select(Territory)
    if parent is not None:
        statement = statement.where(Territory.parent_code == parent)
    if level is not None:
        statement = statement.where(Territory.level == level)
    if q:
        pattern = f"%{escape_like(q.lower())}%"
        statement = statement.where(
            or_(
                func.lower(Territory.name).like(pattern, escape="\\"),
                func.lower(Territory.code).like(pattern, escape="\\"),
            )
        )
    return statement


async def move_subtree(session: AsyncSession, old_path: str, new_path: str) -> None:
    """Rewrite the path of every territory under `old_path` after its root moved."""
    await session.execute(
        update(Territory)
        .where(Territory.path.like(f"{escape_like(old_path)}%", escape="\\"))
        .values(path=new_path + func.substr(Territory.path, len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )
