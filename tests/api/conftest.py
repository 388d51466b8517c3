from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import pytest
from sqlalchemy import event

from services.api.main import create_app
from services.core.config import Settings
from tests.api.factories import create, create_alliance, create_catalyst, create_organisation
from tests.api.indicator_factories import create_indicator, record


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


@pytest.fixture
async def scored_alliance(client, staff):
    """One alliance with one indicator per axis, its values dated around AS_OF; the expected scores
    are worked out below."""
    catalyst = await create_catalyst(client, staff, territory_code="FR-94")
    alliance = await create_alliance(
        client, staff, [catalyst["id"]], territory_code="FR-94", domains=["employment", "education"]
    )
    for actor_type in ("public", "company"):
        organisation = await create_organisation(client, staff, actor_type=actor_type)
        await create(
            client,
            f"/v1/alliances/{alliance['id']}/members",
            {"organisation_id": organisation["id"], "joined_on": "2022-01-01"},
            staff,
        )
    jobs = await create_indicator(
        client,
        staff,
        alliance["id"],
        code="EMP",
        name="Emplois",
        calculation_method="Contrats signés",
        axis="performance",
        baseline_value=10,
        target_value=50,
    )
    trust = await create_indicator(
        client,
        staff,
        alliance["id"],
        code="CONF",
        name="Confiance",
        calculation_method="Enquête 1-5",
        axis="trust",
        measure_type="ordinal",
        scale_min=1,
        scale_max=5,
    )
    prototype = await create_indicator(
        client,
        staff,
        alliance["id"],
        code="PROTO",
        name="Prototype livré",
        calculation_method="Oui/non",
        axis="innovation",
        measure_type="binary",
    )
    await record(client, staff, jobs, period="2023-06", value=18)  # a year before: (18-10)/40 = 0.2 -> 20
    await record(client, staff, jobs, period="2024-06", value=30)  # (30-10)/(50-10) = 0.5 -> 50
    await record(client, staff, trust, period="2024-Q3", value=4)  # (4-1)/(5-1) = 0.75 -> 75
    await record(client, staff, prototype, period="2024", value=1)  # binary 1 -> 100
    return {"catalyst": catalyst, "alliance": alliance}


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
