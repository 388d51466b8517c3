"""The application as the contract fuzzer sees it, on each test database.

Schemathesis calls the application in-process, from an event loop of its own (a thread it
starts once). The `app` fixture of the API suite belongs to pytest's event loop, and a
pooled PostgreSQL connection cannot move from one loop to another, so the fuzzer gets an
application of its own on the same database. Test data (the staff key, the entities that
positive cases refer to) is written through `app`, and the API suite's clean-up empties the
database after every test.
"""

import ipaddress
from dataclasses import dataclass

import pytest
import schemathesis
from schemathesis.python.asgi import shutdown_lifespans
from sqlalchemy import select, update

from services.api.main import create_app
from services.core.config import Settings
from services.core.db import session_scope
from services.core.territories.models import Territory
from services.core.webhooks import urls
from tests.api.factories import create_alliance, create_catalyst, create_member, create_organisation
from tests.api.indicator_factories import create_indicator
from tests.conftest import REFERENCE_CODES
from tests.contract.formats import FORMATS
from tests.security.support import publish_and_preview

# Never contacted: no job runtime runs in these tests, so nothing is ever delivered to it.
FUZZED_HOSTS_ADDRESS = ipaddress.ip_address("93.184.215.14")


class WithoutJobRuntime:
    """The ASGI application with a lifespan that starts nothing and disposes of the engine.

    The real lifespan starts the job runtime, which would run aggregations on the two cores
    the suite shares and deliver webhooks to whatever URLs the fuzzer subscribed; the API
    suite does not start it either. Jobs stay queued, which the contract allows.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                # Connections belong to this event loop: they are closed from it.
                await self.app.state.engine.dispose()
                await send({"type": "lifespan.shutdown.complete"})
                return


def contract_settings(database_url: str) -> Settings:
    # The fuzzer sends thousands of requests with one key, far past any sensible rate limit.
    return Settings(database_url=database_url, rate_limit_requests=0)


class StaffKey:
    """The staff key of the running test, as schemathesis's auth provider. Through it, rather
    than a header added to every call, schemathesis knows the key is a real one: it leaves the
    key out of the cases that test a missing or malformed one, and `ignored_auth` tries each
    operation without it."""

    secret: str | None = None

    def get(self, case, context) -> str | None:
        return StaffKey.secret

    def set(self, case, secret: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {secret}"}


def load_schema():
    """The OpenAPI document as the application serves it; no database is needed for that."""
    document_app = WithoutJobRuntime(create_app(contract_settings("sqlite+aiosqlite:///:memory:")))
    schema = schemathesis.openapi.from_asgi("/openapi.json", document_app)
    for name, values in FORMATS.items():
        schemathesis.openapi.format(name, values)
    # Not cached: every test has a key of its own.
    schema.auth(refresh_interval=None)(StaffKey)
    return schema


@pytest.fixture
def staff_key(staff):
    """Cases generated during the test carry the staff key."""
    StaffKey.secret = staff["Authorization"].removeprefix("Bearer ")
    yield
    StaffKey.secret = None


async def _resolve_without_dns(host: str, port: int) -> list[urls.IPAddress]:
    return [FUZZED_HOSTS_ADDRESS]


@pytest.fixture(scope="session")
def contract_app(database_url):
    """The application that schemathesis calls, on the database of `app`."""
    yield WithoutJobRuntime(create_app(contract_settings(database_url)))
    shutdown_lifespans()


@pytest.fixture
def _webhook_hosts_without_dns(monkeypatch):
    """The fuzzer invents host names for webhook URLs: none should become a DNS query. Every
    name stands for one public address, so the SSRF guard still judges the literal addresses
    (127.0.0.1, 10.0.0.1...) as it does in production. For the test only: the API suite's
    webhook tests, which may run next in this process, resolve names for real."""
    monkeypatch.setattr(urls, "_resolve", _resolve_without_dns)


@dataclass(frozen=True)
class Existing:
    """Entities that positive cases refer to, so that their references resolve."""

    territory_code: str
    country_code: str
    catalyst_id: str
    organisation_id: str
    alliance_id: str
    member_id: str
    indicator_id: str
    methodology_version: int = 1
    # For the operations on previews only (a snapshot and a preview cost an aggregation each).
    snapshot_id: str | None = None
    preview_id: str | None = None


@pytest.fixture
async def existing(
    request, app, client, staff, _reference_territories_restored, _webhook_hosts_without_dns
) -> Existing:
    catalyst = await create_catalyst(client, staff)
    organisation = await create_organisation(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    member = await create_member(client, staff, alliance["id"], organisation["id"])
    indicator = await create_indicator(client, staff, alliance["id"])
    previewed = {}
    if "previews" in request.node.name:
        job, preview = await publish_and_preview(app, client, staff)
        previewed = {"snapshot_id": job["snapshot_id"], "preview_id": preview["id"]}
    return Existing(
        territory_code="FR-94",
        country_code="FR",
        catalyst_id=catalyst["id"],
        organisation_id=organisation["id"],
        alliance_id=alliance["id"],
        member_id=member["id"],
        indicator_id=indicator["id"],
        **previewed,
    )


@pytest.fixture
async def _reference_territories_restored(app):
    """The fuzzer may rename or move the preloaded territories, which the API suite's clean-up
    keeps: they are put back as they were, for the tests that run after."""
    columns = [column for column in Territory.__table__.columns if column.name != "code"]
    async with session_scope(app.state.session_factory) as session:
        rows = (await session.execute(select(Territory.__table__))).mappings().all()
    before = {row["code"]: row for row in rows if row["code"] in REFERENCE_CODES}
    yield
    async with session_scope(app.state.session_factory) as session:
        for code, row in before.items():
            values = {column.name: row[column.name] for column in columns}
            await session.execute(update(Territory.__table__).where(Territory.code == code).values(**values))
