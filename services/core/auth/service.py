import hashlib
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.auth.models import ApiKey
from services.core.auth.principal import Principal
from services.core.auth.schemas import ApiKeyCreate
from services.core.catalysts.models import Catalyst
from services.core.clock import utcnow
from services.core.errors import Invalid, NotFound
from services.core.pagination import page_of, paginate
from services.core.vocabularies import ApiKeyScope

KEY_PREFIX = "obs_"
SHOWN_PREFIX_LENGTH = 12


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def create_api_key(session: AsyncSession, payload: ApiKeyCreate) -> tuple[ApiKey, str]:
    if payload.scope == ApiKeyScope.write:
        if payload.catalyst_id is None:
            raise Invalid.field(["body", "catalyst_id"], "A write key is bound to one catalyst.", "missing")
        catalyst = await session.get(Catalyst, payload.catalyst_id)
        if catalyst is None or catalyst.deleted_at is not None:
            raise Invalid.field(["body", "catalyst_id"], "Unknown catalyst.", "unknown_catalyst")
    elif payload.catalyst_id is not None:
        raise Invalid.field(
            ["body", "catalyst_id"], "Only a write key is bound to a catalyst.", "not_allowed"
        )
    secret = generate_key()
    api_key = ApiKey(
        name=payload.name,
        scope=payload.scope,
        catalyst_id=payload.catalyst_id,
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        key_hash=hash_key(secret),
    )
    session.add(api_key)
    await session.flush()
    return api_key, secret


async def authenticate(session: AsyncSession, key: str) -> Principal | None:
    """The principal of a live key, or None for an unknown, malformed or revoked one."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    api_key = await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    if api_key is None or api_key.revoked_at is not None:
        return None
    return Principal(key_id=api_key.id, scope=ApiKeyScope(api_key.scope), catalyst_id=api_key.catalyst_id)


async def get_api_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey:
    api_key = await session.get(ApiKey, key_id)
    if api_key is None:
        raise NotFound("No API key with this id.")
    return api_key


async def list_api_keys(session: AsyncSession, *, cursor: str | None, limit: int):
    statement = paginate(select(ApiKey), ApiKey.id, cursor, limit, parse=uuid.UUID)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda api_key: api_key.id)


async def revoke_api_key(session: AsyncSession, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        await session.flush()
    return api_key
