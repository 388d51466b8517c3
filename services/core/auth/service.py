import hashlib
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.core.auth.models import ApiKey
from services.core.auth.principal import Principal
from services.core.auth.schemas import ApiKeyCreate
from services.core.catalysts.models import Catalyst
from services.core.clock import utcnow
from services.core.db import driver_connection, uses_postgresql
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


def key_hash_of(key: str) -> str | None:
    """The hash a key is stored under, or None for a string that cannot be a key."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    return hash_key(key)


async def authenticate_hash(session: AsyncSession, key_hash: str) -> Principal | None:
    """The principal of the live key stored under `key_hash`, or None."""
    if uses_postgresql(session):
        # On PostgreSQL one statement straight from the driver, a tenth of the cost of loading
        # the ORM entity. (It runs before the transaction of the request's first ORM
        # statement, if any: a read, it sees the same committed keys.)
        connection = await driver_connection(session)
        api_key = await connection.fetchrow(AUTHENTICATE_SQL, key_hash)
    else:
        api_key = (
            await session.execute(select(*AUTHENTICATE_COLUMNS).where(col(ApiKey.key_hash) == key_hash))
        ).one_or_none()
    if api_key is None:
        return None
    key_id, scope, catalyst_id, revoked_at = api_key
    if revoked_at is not None:
        return None
    return Principal(
        key_id=_plain_uuid(key_id), scope=ApiKeyScope(scope), catalyst_id=_plain_uuid(catalyst_id)
    )


def _plain_uuid(value: uuid.UUID | None) -> uuid.UUID | None:
    # asyncpg gives a subclass of uuid.UUID that some encoders (orjson) refuse.
    return value if value is None or type(value) is uuid.UUID else uuid.UUID(bytes=value.bytes)


AUTHENTICATE_COLUMNS = (col(ApiKey.id), col(ApiKey.scope), col(ApiKey.catalyst_id), col(ApiKey.revoked_at))
AUTHENTICATE_SQL = "SELECT id, scope, catalyst_id, revoked_at FROM api_keys WHERE key_hash = $1"


async def get_api_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey:
    api_key = await session.get(ApiKey, key_id)
    if api_key is None:
        raise NotFound("No API key with this id.")
    return api_key


async def list_api_keys(session: AsyncSession, *, cursor: str | None, limit: int):
    statement = paginate(select(ApiKey), ApiKey.id, cursor, limit)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda api_key: api_key.id)


async def revoke_api_key(session: AsyncSession, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        await session.flush()
    return api_key
