"""Fresh test databases: a temporary SQLite file, or a new PostgreSQL database per run."""

import asyncio
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from services.core.config import Settings
from services.core.migrate import migrate

POSTGRES_ADMIN_URL = os.environ.get(
    "OBSERVATOIRE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def fresh_database(kind: str, tmp_dir: Path):
    """Yield the URL of an empty, migrated database of `kind`; drop it afterwards."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_dir / f'test-{uuid.uuid4().hex[:8]}.db'}"
        migrate(Settings(database_url=url))
        yield url
        return
    name = f"observatoire_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name)
    url_text = url.render_as_string(hide_password=False)
    try:
        migrate(Settings(database_url=url_text))
        yield url_text
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
