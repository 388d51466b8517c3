import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.core.auth.principal import Principal
from services.core.clock import utcnow
from services.core.errors import Forbidden, NotFound, reject_cleared
from services.core.organisations import repository
from services.core.organisations.models import Organisation
from services.core.organisations.schemas import OrganisationCreate, OrganisationUpdate
from services.core.pagination import page_of, paginate
from services.core.territories.service import require_territory

REQUIRED_FIELDS = ("name", "actor_type")


async def get_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation:
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("No organisation with this id.")
    return organisation


async def list_organisations(session: AsyncSession, *, cursor: str | None, limit: int, **filters):
    statement = paginate(repository.list_statement(**filters), Organisation.id, cursor, limit)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda organisation: organisation.id)


async def create_organisation(
    session: AsyncSession, principal: Principal, payload: OrganisationCreate
) -> Organisation:
    principal.require_write()
    if payload.territory_code is not None:
        await require_territory(session, payload.territory_code, ["body", "territory_code"])
    organisation = Organisation(
        **payload.model_dump(mode="json"),
        created_by_catalyst_id=None if principal.is_staff else principal.catalyst_id,
    )
    session.add(organisation)
    await session.flush()
    return organisation


async def update_organisation(
    session: AsyncSession,
    principal: Principal,
    organisation: Organisation,
    payload: OrganisationUpdate,
) -> Organisation:
    principal.require_write()
    # Organisations are shared by every alliance they join: a catalyst may correct only the
    # ones it registered, staff all of them.
    if not principal.is_staff and organisation.created_by_catalyst_id != principal.catalyst_id:
        raise Forbidden("Only staff or the catalyst that registered it may edit an organisation.")
    changes = payload.model_dump(exclude_unset=True, mode="json")
    reject_cleared(changes, REQUIRED_FIELDS)
    if changes.get("territory_code") is not None:
        await require_territory(session, changes["territory_code"], ["body", "territory_code"])
    for field, value in changes.items():
        setattr(organisation, field, value)
    organisation.updated_at = utcnow()
    await session.flush()
    return organisation
