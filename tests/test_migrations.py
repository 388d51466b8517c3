"""Migrations apply to empty databases and describe exactly the models."""

import asyncio

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from services.core import models  # noqa: F401
from services.core.config import Settings
from services.core.db import create_engine, create_session_factory, metadata
from services.core.migrate import alembic_config
from services.core.territories.models import Territory
from tests.databases import fresh_database


def _diff(url: str) -> list:
    async def run():
        engine = create_engine(Settings(database_url=url))
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                    )
                )
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _count_territories(url: str) -> int:
    async def run():
        engine = create_engine(Settings(database_url=url))
        try:
            async with create_session_factory(engine)() as session:
                return await session.scalar(select(func.count()).select_from(Territory))
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migrations_match_the_models(kind, tmp_path):
    with fresh_database(kind, tmp_path) as url:
        assert _diff(url) == []
        assert _count_territories(url) == 1 + 18 + 96


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migrations_downgrade_and_upgrade_again(kind, tmp_path):
    with fresh_database(kind, tmp_path) as url:
        config = alembic_config(url)
        command.downgrade(config, "base")
        command.upgrade(config, "head")
        assert _diff(url) == []
