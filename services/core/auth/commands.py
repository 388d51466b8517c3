"""Key creation outside HTTP: the first staff key has to come from somewhere."""

import uuid

from services.core.auth.models import ApiKey
from services.core.auth.schemas import ApiKeyCreate
from services.core.auth.service import create_api_key
from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, session_scope
from services.core.vocabularies import ApiKeyScope


async def create_key_from_cli(
    settings: Settings, scope: ApiKeyScope, catalyst_id: uuid.UUID | None, name: str
) -> tuple[ApiKey, str]:
    engine = create_engine(settings)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            return await create_api_key(
                session, ApiKeyCreate(name=name, scope=scope, catalyst_id=catalyst_id)
            )
    finally:
        await engine.dispose()
