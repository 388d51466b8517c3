from sqlalchemy.ext.asyncio import AsyncSession

from services.core.clock import utcnow
from services.core.errors import Conflict, Invalid, NotFound
from services.core.territories import repository
from services.core.territories.models import Territory
from services.core.territories.schemas import TerritoryCreate, TerritoryUpdate
from services.core.vocabularies import TerritoryLevel


async def get_territory(session: AsyncSession, code: str) -> Territory:
    territory = await repository.get(session, code)
    if territory is None:
        raise NotFound(f"No territory with code {code!r}.")
    return territory


async def require_territory(session: AsyncSession, code: str, loc: list) -> Territory:
    """The territory a payload refers to, or a 422 naming the field."""
    territory = await repository.get(session, code)
    if territory is None:
        raise Invalid.field(loc, f"Unknown territory code {code!r}.", "unknown_territory")
    return territory


async def list_territories(
    session: AsyncSession,
    *,
    parent: str | None,
    level: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
):
    filters = {"parent": parent, "level": level, "q": q}
    return await repository.TERRITORY_LIST.model_page(session, filters, cursor=cursor, limit=limit)


async def create_territory(session: AsyncSession, payload: TerritoryCreate) -> Territory:
    if await repository.get(session, payload.code) is not None:
        raise Conflict(f"A territory with code {payload.code!r} already exists.")
    parent = None
    if payload.parent_code is not None:
        parent = await require_territory(session, payload.parent_code, ["body", "parent_code"])
    elif payload.level != TerritoryLevel.country:
        raise Invalid.field(
            ["body", "parent_code"], "Only a country may have no parent territory.", "missing"
        )
    territory = Territory(
        code=payload.code,
        name=payload.name,
        level=payload.level,
        parent_code=payload.parent_code,
        territory_type=payload.territory_type,
        overseas=payload.overseas if payload.overseas is not None else bool(parent and parent.overseas),
        path=(parent.path if parent else "/") + payload.code + "/",
    )
    session.add(territory)
    await session.flush()
    return territory


async def update_territory(
    session: AsyncSession, territory: Territory, payload: TerritoryUpdate
) -> Territory:
    changes = payload.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise Invalid.field(["body", "name"], "A territory must keep a name.", "missing")
    if "overseas" in changes and changes["overseas"] is None:
        raise Invalid.field(["body", "overseas"], "Must be true or false.", "missing")
    if "parent_code" in changes and changes["parent_code"] != territory.parent_code:
        await _move(session, territory, changes.pop("parent_code"))
    for field, value in changes.items():
        setattr(territory, field, value)
    territory.updated_at = utcnow()
    await session.flush()
    return territory


async def _move(session: AsyncSession, territory: Territory, parent_code: str | None) -> None:
    if parent_code is None:
        if territory.level != TerritoryLevel.country:
            raise Invalid.field(
                ["body", "parent_code"], "Only a country may have no parent territory.", "missing"
            )
        new_path = "/" + territory.code + "/"
    else:
        parent = await require_territory(session, parent_code, ["body", "parent_code"])
        if parent.path.startswith(territory.path):
            raise Invalid.field(
                ["body", "parent_code"],
                "A territory cannot be placed under itself or one of its descendants.",
                "cycle",
            )
        new_path = parent.path + territory.code + "/"
    old_path = territory.path
    territory.parent_code = parent_code
    territory.path = new_path
    await session.flush()
    await repository.move_subtree(session, old_path, new_path)
