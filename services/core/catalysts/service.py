import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.auth.models import ApiKey
from services.core.auth.principal import Principal
from services.core.catalysts import geojson, repository
from services.core.catalysts.models import Catalyst, CatalystTrade
from services.core.catalysts.schemas import CatalystCreate, CatalystRead, CatalystUpdate
from services.core.clock import utcnow
from services.core.db import uses_postgresql
from services.core.errors import Invalid, NotFound, reject_cleared
from services.core.models_base import sync_rows
from services.core.territories.service import require_territory

REQUIRED_FIELDS = ("name", "structure_type", "trades", "territory_code")


async def get_catalyst(session: AsyncSession, catalyst_id: uuid.UUID) -> Catalyst:
    catalyst = await repository.get_live(session, catalyst_id)
    if catalyst is None:
        raise NotFound("No catalyst with this id.")
    return catalyst


async def list_catalyst_rows(session: AsyncSession, *, cursor: str | None, limit: int, **filters):
    """A page of catalysts as CatalystRead-shaped dicts (see list_queries.ListQuery.read_page)."""
    return await repository.CATALYST_LIST.read_page(
        session, CatalystRead, filters, cursor=cursor, limit=limit
    )


async def list_mapped_catalysts(session: AsyncSession, **filters) -> list[Catalyst]:
    return await repository.CATALYST_MAP.models(session, filters)


async def map_body(session: AsyncSession, **filters) -> bytes:
    """The map's FeatureCollection, encoded (see geojson.encode_features): on PostgreSQL from
    one statement read straight from the driver, elsewhere from the models."""
    features: Iterable[dict[str, Any]]
    if uses_postgresql(session):
        records = await repository.CATALYST_MAP.records(session, filters)
        features = (geojson.feature(*record) for record in records)
    else:
        features = map(geojson.catalyst_feature, await list_mapped_catalysts(session, **filters))
    return geojson.encode_features(features)


def _check_point(latitude: float | None, longitude: float | None) -> None:
    """A point has both coordinates or none; the error names the missing one."""
    if (latitude is None) != (longitude is None):
        raise Invalid.field(
            ["body", "latitude" if latitude is None else "longitude"],
            "latitude and longitude go together: give both or neither.",
            "point_incomplete",
        )


async def create_catalyst(session: AsyncSession, principal: Principal, payload: CatalystCreate) -> Catalyst:
    principal.require_staff()
    _check_point(payload.latitude, payload.longitude)
    await require_territory(session, payload.territory_code, ["body", "territory_code"])
    data = payload.model_dump(exclude={"trades"}, mode="json")
    catalyst = Catalyst(**data)
    catalyst.trade_rows = [CatalystTrade(trade=trade) for trade in payload.trades]
    session.add(catalyst)
    await session.flush()
    return catalyst


async def update_catalyst(
    session: AsyncSession, principal: Principal, catalyst: Catalyst, payload: CatalystUpdate
) -> Catalyst:
    principal.require_catalyst([catalyst.id], "this catalyst")
    changes = payload.model_dump(exclude_unset=True, mode="json")
    reject_cleared(changes, REQUIRED_FIELDS)
    if "territory_code" in changes:
        await require_territory(session, changes["territory_code"], ["body", "territory_code"])
    _check_point(changes.get("latitude", catalyst.latitude), changes.get("longitude", catalyst.longitude))
    if "trades" in changes:
        sync_rows(catalyst.trade_rows, changes.pop("trades"), "trade", lambda t: CatalystTrade(trade=t))
    for field, value in changes.items():
        setattr(catalyst, field, value)
    catalyst.updated_at = utcnow()
    await session.flush()
    return catalyst


async def delete_catalyst(session: AsyncSession, principal: Principal, catalyst: Catalyst) -> list[uuid.UUID]:
    """Delete the catalyst; the ids of the write keys it revoked with it."""
    principal.require_staff()
    catalyst.deleted_at = utcnow()
    catalyst.updated_at = catalyst.deleted_at
    # Its write keys speak for a catalyst that no longer exists: they stop working with it.
    revoked = await session.scalars(
        update(ApiKey)
        .where(col(ApiKey.catalyst_id) == catalyst.id, col(ApiKey.revoked_at).is_(None))
        .values(revoked_at=catalyst.deleted_at)
        .returning(col(ApiKey.id))
    )
    revoked_ids = list(revoked)
    await session.flush()
    return revoked_ids
