import httpx
import pytest

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
