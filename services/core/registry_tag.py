"""The registry's change tag: a value that changes with every committed write to the tables the
registry's lists read.

Those tables (TAGGED_TABLES) are the territories, the catalysts and their trades, the alliances
and their catalysts, domains and goals. Triggers written by migration 0008 keep the one row of
`registry_tag`:
- on PostgreSQL, a deferred constraint trigger: it runs as the writing transaction commits, so
  the row is locked only for the commit, and it writes the row once per transaction however
  many rows the transaction changed;
- on SQLite, which has one writer at a time, a trigger per row.

Each change draws a new random 63-bit value rather than adding one. A tag is only ever compared
for equality, and a value drawn at random does not come back when the row is written again
from scratch (a database restored, a table emptied), as a counter started again would.

The tag is written in the writing transaction, so a reader that reads the same tag twice knows
that no write to these tables committed in between: an answer computed after the first read is
still current at the second. services.api.list_answers keeps list answers on that condition.
"""

import asyncio
from contextlib import suppress

from sqlalchemy import BigInteger, Column, Integer, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel

from services.core.db import read_scalar

# Every table that a cached list reads (tests/api/test_list_answers.py checks this against the
# statements of the lists).
TAGGED_TABLES = (
    "territories",
    "catalysts",
    "catalyst_trades",
    "alliances",
    "alliance_catalysts",
    "alliance_domains",
    "alliance_sdgs",
)
THE_ROW = 1


class RegistryTag(SQLModel, table=True):
    __tablename__ = "registry_tag"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    tag: int = Field(sa_column=Column(BigInteger, nullable=False))


_READ_TAG = text(f"SELECT tag FROM registry_tag WHERE id = {THE_ROW}")


class RegistryTagReader:
    """Reads the tag for the requests of one process, one query for the requests that wait
    at the same time.

    A request may share a query only if that query is sent after the request arrived, so that
    it sees every write committed before: a request joins the query that has not been sent
    yet, and a new one is sent when the previous one is done. Under load a query serves the
    requests that arrived during the previous one; alone, a request waits for one query."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._next: asyncio.Future | None = None  # the query not sent yet
        self._last: asyncio.Future | None = None  # the query sent last

    async def read(self) -> int | None:
        """The tag now, or None if the row is missing. Raises what the database raised."""
        loop = asyncio.get_running_loop()
        if self._next is None or self._next.get_loop() is not loop:
            previous = self._last if self._last is not None and self._last.get_loop() is loop else None
            self._next = self._last = loop.create_task(self._read_after(previous))
            # Every waiter may be gone (cancelled) by the time it fails.
            self._next.add_done_callback(_retrieve_exception)
        return await asyncio.shield(self._next)

    async def _read_after(self, previous: asyncio.Future | None) -> int | None:
        if previous is not None:
            with suppress(BaseException):
                await asyncio.shield(previous)
        # From here on, an arriving request starts the next query.
        if self._next is asyncio.current_task():
            self._next = None
        return await read_scalar(self._engine, _READ_TAG)


def _retrieve_exception(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()
