"""Load the demo dataset (`observatoire seed-demo`).

Idempotent: every object gets a deterministic id (territories: their code) and an object
that already exists is left alone, so a second run adds nothing.

Every object goes through its Create schema and its domain service, exactly as an API
request would, so the same validation applies. The services generate random ids: the
deterministic one is given to the new row just before the service's flush inserts it.

Observations need no deterministic id: recording them is an upsert by (indicator, period)
that writes nothing when the value is unchanged, so recording the same values again adds
no observation and no revision.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlmodel import col

from services.core.alliances.models import Alliance, AllianceMember
from services.core.alliances.schemas import AllianceCreate, MemberCreate
from services.core.alliances.service import add_member, create_alliance
from services.core.auth.principal import Principal
from services.core.catalysts.models import Catalyst
from services.core.catalysts.schemas import CatalystCreate
from services.core.catalysts.service import create_catalyst
from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, session_scope
from services.core.demo.dataset import load_dataset
from services.core.indicators.models import Indicator
from services.core.indicators.schemas import IndicatorCreate
from services.core.indicators.service import create_indicator
from services.core.observations.ingest import ItemErrors, ingest
from services.core.observations.models import Observation
from services.core.observations.periods import parse_period
from services.core.observations.schemas import ObservationCreate
from services.core.observations.service import from_json
from services.core.organisations.models import Organisation
from services.core.organisations.schemas import OrganisationCreate
from services.core.organisations.service import create_organisation
from services.core.territories.models import Territory
from services.core.territories.schemas import TerritoryCreate
from services.core.territories.service import create_territory
from services.core.vocabularies import ApiKeyScope

# Never change it: the ids of the demo objects derive from it.
DEMO_NAMESPACE = uuid.UUID("5b0f7c9e-3d1a-5e64-9a57-0b5e8a1c2d40")

STAFF = Principal(key_id=uuid.UUID(int=0), scope=ApiKeyScope.staff, catalyst_id=None)


def demo_id(kind: str, slug: str) -> uuid.UUID:
    """The id of a demo object, e.g. `demo_id("catalyst", "ateliers-du-val")`."""
    return uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{slug}")


def member_id(alliance_slug: str, organisation_slug: str) -> uuid.UUID:
    return demo_id("member", f"{alliance_slug}:{organisation_slug}")


def indicator_id(alliance_slug: str, code: str) -> uuid.UUID:
    return demo_id("indicator", f"{alliance_slug}:{code}")


async def seed_demo(settings: Settings) -> dict[str, int]:
    """Load the demo dataset in one transaction; returns how many objects of each kind were added."""
    engine = create_engine(settings)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            return await load_demo(session)
    finally:
        await engine.dispose()


async def load_demo(session: AsyncSession, principal: Principal = STAFF) -> dict[str, int]:
    added = {
        "territories": 0,
        "catalysts": 0,
        "organisations": 0,
        "alliances": 0,
        "members": 0,
        "indicators": 0,
        "observations": 0,
    }
    dataset = load_dataset()

    for data in dataset.territories:
        territory = TerritoryCreate.model_validate(data)
        if await session.get(Territory, territory.code) is None:
            # One at a time: the service flushes, and the next one may be its child.
            await create_territory(session, territory)
            added["territories"] += 1

    for slug, data in dataset.catalysts.items():
        catalyst = CatalystCreate.model_validate(data)
        catalyst_id = demo_id("catalyst", slug)
        if await session.get(Catalyst, catalyst_id) is None:
            with _preset_id(session, Catalyst, catalyst_id):
                await create_catalyst(session, principal, catalyst)
            added["catalysts"] += 1

    for slug, data in dataset.organisations.items():
        organisation = OrganisationCreate.model_validate(data)
        organisation_id = demo_id("organisation", slug)
        if await session.get(Organisation, organisation_id) is None:
            with _preset_id(session, Organisation, organisation_id):
                await create_organisation(session, principal, organisation)
            added["organisations"] += 1

    for slug, data in dataset.alliances.items():
        fields = {key: value for key, value in data.items() if key not in ("catalysts", "members")}
        fields["catalyst_ids"] = [demo_id("catalyst", catalyst) for catalyst in data["catalysts"]]
        alliance_body = AllianceCreate.model_validate(fields)
        alliance_id = demo_id("alliance", slug)
        alliance = await session.get(Alliance, alliance_id)
        if alliance is None:
            with _preset_id(session, Alliance, alliance_id):
                alliance = await create_alliance(session, principal, alliance_body)
            added["alliances"] += 1
        for member in data["members"]:
            fields = {key: value for key, value in member.items() if key != "organisation"}
            fields["organisation_id"] = demo_id("organisation", member["organisation"])
            member_body = MemberCreate.model_validate(fields)
            identifier = member_id(slug, member["organisation"])
            if await session.get(AllianceMember, identifier) is None:
                with _preset_id(session, AllianceMember, identifier):
                    await add_member(session, principal, alliance, member_body)
                added["members"] += 1

    for slug, indicators in dataset.indicators.items():
        alliance = await session.get_one(Alliance, demo_id("alliance", slug))
        for data in indicators:
            fields = {
                key: value for key, value in data.items() if key not in ("member", "values", "corrections")
            }
            if "member" in data:
                fields["member_id"] = member_id(slug, data["member"])
            indicator = IndicatorCreate.model_validate(fields)
            identifier = indicator_id(slug, indicator.code)
            if await session.get(Indicator, identifier) is None:
                with _preset_id(session, Indicator, identifier):
                    await create_indicator(session, principal, alliance, indicator)
                added["indicators"] += 1
            added["observations"] += await _record_values(session, principal, identifier, data)

    return added


async def _record_values(
    session: AsyncSession, principal: Principal, indicator: uuid.UUID, data: dict[str, Any]
) -> int:
    """Record an indicator's values and corrections; returns how many revisions were written.

    A corrected value is first posted as it was first reported, but only when its period has
    no value yet: on a later run the corrected value is already there and nothing is written.
    """
    recorded = 0
    for correction in data.get("corrections", []):
        start, end = parse_period(correction["period"])
        existing = await session.scalar(
            select(col(Observation.id)).where(
                col(Observation.indicator_id) == indicator,
                col(Observation.period_start) == start,
                col(Observation.period_end) == end,
            )
        )
        if existing is None:
            recorded += await _ingest(session, principal, indicator, [correction])
    return recorded + await _ingest(session, principal, indicator, data["values"])


async def _ingest(
    session: AsyncSession, principal: Principal, indicator: uuid.UUID, items: list[dict[str, Any]]
) -> int:
    # As the JSON batch route reads them (services.core.observations.service).
    values = [
        from_json(position, indicator, ObservationCreate.model_validate(item))
        for position, item in enumerate(items)
    ]
    result = await ingest(session, principal, values, ItemErrors("index"))
    return result.created + result.updated


class _HasId(Protocol):
    id: uuid.UUID


@contextmanager
def _preset_id(session: AsyncSession, model: type[_HasId], wanted: uuid.UUID) -> Iterator[None]:
    """Give `wanted` as id to the `model` row that the service inside the block creates.

    The id is set in `before_flush`, while the row is still pending: nothing has been
    written yet, and child rows take their foreign key from it during that same flush.
    Only instances of `model` are touched: the revision row that the indicator service adds
    in a second flush is an IndicatorRevision (not an Indicator) and keeps its serial id.
    """
    assigned: list[_HasId] = []

    def assign(sync_session: Session, _context: object, _instances: object) -> None:
        for instance in sync_session.new:
            if isinstance(instance, model):
                instance.id = wanted
                assigned.append(instance)

    event.listen(session.sync_session, "before_flush", assign)
    try:
        yield
    finally:
        event.remove(session.sync_session, "before_flush", assign)
    if len(assigned) != 1:
        raise RuntimeError(f"expected the service to create one {model.__name__}, got {len(assigned)}")
