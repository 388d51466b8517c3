"""Bring a database to the current schema, then load the reference territories."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, session_scope
from services.core.methodology.service import ensure_default as ensure_default_methodology
from services.core.territories.reference import load_reference_territories

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


async def _load_reference_data(settings: Settings) -> int:
    engine = create_engine(settings)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            added = await load_reference_territories(session)
            await ensure_default_methodology(session)
            return added
    finally:
        await engine.dispose()


def migrate(settings: Settings) -> int:
    """Upgrade to head; returns how many reference territories were added."""
    command.upgrade(alembic_config(settings.database_url), "head")
    return asyncio.run(_load_reference_data(settings))
