import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.alliances.models import Alliance, AllianceMember
from services.core.alliances.service import get_alliance
from services.core.auth.principal import Principal
from services.core.clock import utcnow
from services.core.errors import Conflict, Invalid, NotFound, reject_cleared
from services.core.indicators.models import Indicator, IndicatorDefinition, IndicatorRevision
from services.core.indicators.rules import check_definition
from services.core.indicators.schemas import IndicatorCreate, IndicatorUpdate
from services.core.pagination import INTEGER_CURSOR, page_of, paginate
from services.core.vocabularies import IndicatorStatus

DEFINITION_FIELDS = tuple(IndicatorDefinition.model_fields)
REQUIRED_FIELDS = (
    "code",
    "name",
    "calculation_method",
    "measure_type",
    "direction",
    "axis",
    "weight",
    "status",
)


async def get_indicator(session: AsyncSession, indicator_id: uuid.UUID) -> Indicator:
    indicator = await session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound("No indicator with this id.")
    await get_alliance(session, indicator.alliance_id)  # a deleted alliance hides its indicators
    return indicator


async def list_indicators(
    session: AsyncSession,
    alliance: Alliance,
    *,
    status: str | None,
    axis: str | None,
    cursor: str | None,
    limit: int,
):
    statement = select(Indicator).where(col(Indicator.alliance_id) == alliance.id)
    if status is not None:
        statement = statement.where(col(Indicator.status) == status)
    if axis is not None:
        statement = statement.where(col(Indicator.axis) == axis)
    statement = paginate(statement, Indicator.id, cursor, limit)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda indicator: indicator.id)


async def _check_member(session: AsyncSession, alliance_id: uuid.UUID, member_id: uuid.UUID | None) -> None:
    if member_id is None:
        return
    member = await session.get(AllianceMember, member_id)
    if member is None or member.alliance_id != alliance_id:
        raise Invalid.field(["body", "member_id"], "Not a member of this alliance.", "unknown_member")


async def _check_code_free(
    session: AsyncSession, alliance_id: uuid.UUID, code: str, indicator_id: uuid.UUID | None = None
) -> None:
    statement = select(col(Indicator.id)).where(
        col(Indicator.alliance_id) == alliance_id, col(Indicator.code) == code
    )
    existing = await session.scalar(statement)
    if existing is not None and existing != indicator_id:
        raise Conflict(
            f"This alliance already has an indicator with code {code!r}.",
            errors=[
                {"loc": ["body", "code"], "msg": "Code already used in this alliance.", "code": "duplicate"}
            ],
        )


def _record_revision(session: AsyncSession, indicator: Indicator, principal: Principal) -> None:
    session.add(
        IndicatorRevision(
            **{field: getattr(indicator, field) for field in DEFINITION_FIELDS},
            indicator_id=indicator.id,
            alliance_id=indicator.alliance_id,
            revision=indicator.revision,
            recorded_at=indicator.updated_at,
            recorded_by=principal.key_id,
        )
    )


async def create_indicator(
    session: AsyncSession, principal: Principal, alliance: Alliance, payload: IndicatorCreate
) -> Indicator:
    principal.require_catalyst(alliance.catalyst_ids, "this alliance")
    definition = payload.model_dump()
    check_definition(definition)
    await _check_member(session, alliance.id, payload.member_id)
    await _check_code_free(session, alliance.id, payload.code)
    now = utcnow()
    indicator = Indicator(
        **definition,
        alliance_id=alliance.id,
        status=IndicatorStatus.active,
        revision=1,
        created_at=now,
        updated_at=now,
        updated_by=principal.key_id,
    )
    session.add(indicator)
    await session.flush()
    _record_revision(session, indicator, principal)
    await session.flush()
    return indicator


async def update_indicator(
    session: AsyncSession, principal: Principal, indicator: Indicator, payload: IndicatorUpdate
) -> Indicator:
    """Apply a change as a new revision; the previous one stays readable."""
    alliance = await get_alliance(session, indicator.alliance_id)
    principal.require_catalyst(alliance.catalyst_ids, "this indicator's alliance")
    changes = payload.model_dump(exclude_unset=True)
    reject_cleared(changes, REQUIRED_FIELDS)
    definition = {field: getattr(indicator, field) for field in DEFINITION_FIELDS} | changes
    check_definition(definition)
    if "member_id" in changes:
        await _check_member(session, alliance.id, changes["member_id"])
    if "code" in changes:
        await _check_code_free(session, alliance.id, changes["code"], indicator.id)
    if all(getattr(indicator, field) == value for field, value in changes.items()):
        return indicator  # nothing changed: no empty revision
    for field, value in changes.items():
        setattr(indicator, field, value)
    indicator.revision += 1
    indicator.updated_at = utcnow()
    indicator.updated_by = principal.key_id
    _record_revision(session, indicator, principal)
    await session.flush()
    return indicator


async def archive_indicator(session: AsyncSession, principal: Principal, indicator: Indicator) -> Indicator:
    return await update_indicator(
        session, principal, indicator, IndicatorUpdate(status=IndicatorStatus.archived)
    )


async def list_revisions(session: AsyncSession, indicator: Indicator, *, cursor: str | None, limit: int):
    statement = select(IndicatorRevision).where(col(IndicatorRevision.indicator_id) == indicator.id)
    statement = paginate(statement, IndicatorRevision.revision, cursor, limit, INTEGER_CURSOR)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda revision: revision.revision, cursor_format=INTEGER_CURSOR)
