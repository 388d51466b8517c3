"""The rows a test starts from, put back before each scenario of a stateful run.

Hypothesis replays scenarios (to explore around them, and to confirm a failure): a replay
that met other data would take another path, which Hypothesis reports as flaky. Every
scenario therefore starts from the same database: the migrated one plus the test's own
fixtures (the staff key, the entities that positive cases refer to).

The rows are read and written with an engine of their own, without a pool, from the test's
thread: the application's engine belongs to the event loop that schemathesis calls it from.
"""

import asyncio

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from services.core.config import Settings
from services.core.db import metadata
from services.core.registry_tag import RegistryTag
from services.core.territories.models import Territory

TERRITORIES = Territory.__table__
# Kept by triggers: emptying the tables and filling them again changes it, as it should.
REGISTRY_TAG = RegistryTag.__table__


class DatabaseState:
    def __init__(self, database_url: str) -> None:
        self.url = Settings(database_url=database_url).async_database_url
        self.rows: dict[str, list[dict]] = {}

    def capture(self) -> None:
        asyncio.run(self._capture())

    def restore(self) -> None:
        asyncio.run(self._restore())

    async def _capture(self) -> None:
        engine = create_async_engine(self.url, poolclass=NullPool)
        async with engine.connect() as connection:
            for table in metadata.sorted_tables:
                rows = (await connection.execute(select(table))).mappings().all()
                self.rows[table.name] = [dict(row) for row in rows]
        await engine.dispose()

    async def _restore(self) -> None:
        engine = create_async_engine(self.url, poolclass=NullPool)
        async with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                if table not in (TERRITORIES, REGISTRY_TAG):
                    await connection.execute(delete(table))
            await self._restore_territories(connection)
            for table in metadata.sorted_tables:
                if table not in (TERRITORIES, REGISTRY_TAG) and self.rows[table.name]:
                    await connection.execute(insert(table), self.rows[table.name])
        await engine.dispose()

    async def _restore_territories(self, connection) -> None:
        # Territories refer to their parents: new ones go deepest first, then the others
        # get their captured values back (a scenario may have renamed or moved them).
        captured = {row["code"]: row for row in self.rows[TERRITORIES.name]}
        added = select(TERRITORIES.c.code, func.length(TERRITORIES.c.path)).where(
            TERRITORIES.c.code.not_in(captured)
        )
        for code, _ in sorted((await connection.execute(added)).all(), key=lambda row: -row[1]):
            await connection.execute(delete(TERRITORIES).where(TERRITORIES.c.code == code))
        for code, row in captured.items():
            await connection.execute(update(TERRITORIES).where(TERRITORIES.c.code == code).values(**row))
