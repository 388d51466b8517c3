from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import event

from services.api.main import create_app
from services.core.config import Settings


@pytest.fixture
async def open_client(app, database_url):
    """A client of an app with public read on, on the suite's database (which `app` cleans)."""
    public_app = create_app(Settings(database_url=database_url, rate_limit_requests=0, public_read=True))
    transport = httpx.ASGITransport(app=public_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await public_app.state.engine.dispose()


@pytest.fixture
async def uncached_client(app, database_url):
    """A client of an app that keeps no answer, on the suite's database."""
    bare = create_app(Settings(database_url=database_url, rate_limit_requests=0, read_cache_megabytes=0))
    transport = httpx.ASGITransport(app=bare, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await bare.state.engine.dispose()


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
