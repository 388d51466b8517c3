import httpx
import pytest
from sqlalchemy import delete, func, select

from services.api.main import create_app
from services.core.auth.schemas import ApiKeyCreate
from services.core.auth.service import create_api_key
from services.core.config import Settings
from services.core.db import metadata, session_scope
from services.core.invalidations import Change, Invalidation, notify_locally
from services.core.methodology.models import Methodology
from services.core.registry_tag import RegistryTag
from services.core.territories.models import Territory
from services.core.territories.reference import reference_territories
from services.core.vocabularies import ApiKeyScope
from tests.databases import fresh_database
from tests.worker.processes import RedisServer

DATABASES = ["sqlite", "postgresql"]
REFERENCE_CODES = {territory.code for territory in reference_territories()}


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def redis_server():
    """A private redis-server, which a test may stop and start again."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def app(database_url):
    # Suites send hundreds of requests with one key; the limiter has its own tests and apps.
    application = create_app(Settings(database_url=database_url, rate_limit_requests=0))
    yield application
    await application.state.engine.dispose()


@pytest.fixture(autouse=True)
async def _clean_database(request):
    """Every test starts from the migrated database: reference territories, methodology 1,
    nothing else."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    # What the app keeps in memory points at rows about to go (keys, the latest snapshot).
    notify_locally(Invalidation(Change.EVERYTHING))
    async with session_scope(application.state.session_factory) as session:
        for table in reversed(metadata.sorted_tables):
            if table.name == RegistryTag.__tablename__:
                continue  # its one row is kept by triggers, for the life of the database
            if table.name == Methodology.__tablename__:
                await session.execute(delete(table).where(table.c.version > 1))
            elif table.name != Territory.__tablename__:
                await session.execute(delete(table))
        custom = select(Territory.code).where(Territory.code.not_in(REFERENCE_CODES))
        # Children first: a territory cannot go while another still points at it.
        rows = (
            await session.execute(
                select(Territory.code, func.length(Territory.path)).where(Territory.code.in_(custom))
            )
        ).all()
        for code, _ in sorted(rows, key=lambda row: -row[1]):
            await session.execute(delete(Territory).where(Territory.code == code))


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def make_key(app):
    """Create an API key in the database; returns the Authorization headers to use it."""

    async def _make(scope: str = "read", catalyst_id=None, name: str = "test key") -> dict[str, str]:
        async with session_scope(app.state.session_factory) as session:
            _, secret = await create_api_key(
                session, ApiKeyCreate(name=name, scope=ApiKeyScope(scope), catalyst_id=catalyst_id)
            )
        return {"Authorization": f"Bearer {secret}"}

    return _make


@pytest.fixture
async def staff(make_key):
    return await make_key("staff", name="staff")


@pytest.fixture
async def reader(make_key):
    return await make_key("read", name="reader")
