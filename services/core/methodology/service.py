from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.errors import Invalid, NotFound
from services.core.methodology.models import Methodology
from services.core.methodology.schemas import MethodologyCreate
from services.core.pagination import INTEGER_CURSOR, page_of, paginate
from services.core.scoring.config import MethodologyConfig

DEFAULT_DESCRIPTION = "Version 1: the defaults of the published methodology."


async def ensure_default(session: AsyncSession) -> int:
    """Create version 1 with the default configuration if it is missing; returns 1 if added."""
    if await session.get(Methodology, 1) is not None:
        return 0
    config = MethodologyConfig()
    session.add(
        Methodology(
            version=1,
            description=DEFAULT_DESCRIPTION,
            config=config.model_dump(mode="json"),
            config_hash=config.sha256(),
        )
    )
    await session.flush()
    return 1


async def get_methodology(session: AsyncSession, version: int) -> Methodology:
    methodology = await session.get(Methodology, version)
    if methodology is None:
        raise NotFound(f"No methodology version {version}.")
    return methodology


async def require_methodology(session: AsyncSession, version: int, loc: list) -> Methodology:
    methodology = await session.get(Methodology, version)
    if methodology is None:
        raise Invalid.field(loc, f"No methodology version {version}.", "unknown_methodology")
    return methodology


async def latest_version(session: AsyncSession) -> int:
    return await session.scalar(select(func.max(Methodology.version))) or 1


async def list_methodologies(session: AsyncSession, *, cursor: str | None, limit: int):
    statement = paginate(select(Methodology), Methodology.version, cursor, limit, INTEGER_CURSOR)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda methodology: methodology.version, cursor_format=INTEGER_CURSOR)


async def create_methodology(session: AsyncSession, payload: MethodologyCreate) -> Methodology:
    version = (await session.scalar(select(func.max(Methodology.version))) or 0) + 1
    methodology = Methodology(
        version=version,
        description=payload.description,
        config=payload.config.model_dump(mode="json"),
        config_hash=payload.config.sha256(),
    )
    session.add(methodology)
    await session.flush()
    return methodology


def config_of(methodology: Methodology) -> MethodologyConfig:
    return MethodologyConfig.model_validate(methodology.config)
