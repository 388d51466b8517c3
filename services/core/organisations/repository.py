from sqlalchemy import Select, func, or_, select
from sqlmodel import col

from services.core.organisations.models import Organisation
from services.core.territories.repository import codes_within, escape_like


def list_statement(
    *, actor_type: str | None, territory: str | None, siren: str | None, q: str | None
) -> Select:
    statement = select(Organisation)
    if actor_type is not None:
        statement = statement.where(col(Organisation.actor_type) == actor_type)
    if territory is not None:
        statement = statement.where(col(Organisation.territory_code).in_(codes_within(territory)))
    if siren is not None:
        statement = statement.where(col(Organisation.siren) == siren)
    if q:
        pattern = f"%{escape_like(q.lower())}%"
        statement = statement.where(or_(func.lower(Organisation.name).like(pattern, escape="\\")))
    return statement
