from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import pytest
from sqlalchemy import event

from services.api.main import create_app
from services.core.config import Settings


@asynccontextmanager
async def app_client(database_url: str, **settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app of its own with these settings, its database connections closed after."""
    app = create_app(Settings(database_url=database_url, **settings))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        await app.state.engine.dispose()


@pytest.fixture
async def open_client(app, database_url):
    """A client of an app with public read on, on the suite's database (which `app` cleans)."""
    async with app_client(database_url, rate_limit_requests=0, public_read=True) as http:
        yield http


@pytest.fixture
async def uncached_client(app, database_url):
    """A client of an app that keeps no answer, on the suite's database."""
    async with app_client(database_url, rate_limit_requests=0, read_cache_megabytes=0) as http:
        yield http


# Headers that differ from one answer to the next whatever is kept.
PER_REQUEST_HEADERS = {"x-request-id", "date"}


def stable_headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in PER_REQUEST_HEADERS}


@contextmanager
def counting_checkouts(app) -> Iterator[list[int]]:
    """How many times the app takes a database connection in the block (any statement)."""
    taken = [0]
    pool = app.state.engine.sync_engine.pool

    def checkout(*_):
        taken[0] += 1

    event.listen(pool, "checkout", checkout)
    try:
        yield taken
    finally:
        event.remove(pool, "checkout", checkout)
