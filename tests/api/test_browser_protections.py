"""CORS is closed unless origins are configured; every response carries the security headers."""

import httpx
import pytest

from services.api.main import create_app
from services.core.config import Settings

ALLOWED_ORIGIN = "https://tableau.example.org"


@pytest.fixture
async def cors_client(database_url):
    app = create_app(
        Settings(database_url=database_url, rate_limit_requests=0, cors_origins=[ALLOWED_ORIGIN])
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await app.state.engine.dispose()


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }


async def test_cors_is_closed_by_default(client, reader):
    answer = await client.get("/v1/territories", headers={**reader, "Origin": ALLOWED_ORIGIN})
    refused_preflight = await client.options("/v1/catalysts", headers=preflight(ALLOWED_ORIGIN))

    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers
    assert "access-control-allow-origin" not in refused_preflight.headers
    assert refused_preflight.status_code == 405


def test_origins_are_read_from_a_comma_separated_setting(monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_CORS_ORIGINS", "https://a.example/, https://b.example")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.delenv("OBSERVATOIRE_CORS_ORIGINS")
    assert Settings().cors_origins == []


async def test_a_configured_origin_may_call_and_read_the_api_headers(cors_client, reader):
    allowed_preflight = await cors_client.options("/v1/catalysts", headers=preflight(ALLOWED_ORIGIN))
    answer = await cors_client.get("/v1/territories", headers={**reader, "Origin": ALLOWED_ORIGIN})

    assert allowed_preflight.status_code == 200
    assert allowed_preflight.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in allowed_preflight.headers["access-control-allow-methods"]
    allowed_headers = allowed_preflight.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "idempotency-key"} <= set(
        allowed_headers.replace(" ", "").split(",")
    )
    assert answer.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = answer.headers["access-control-expose-headers"].lower()
    assert "etag" in exposed and "x-request-id" in exposed and "retry-after" in exposed
    # Keys travel in a header, never in cookies: credentials mode is not allowed.
    assert "access-control-allow-credentials" not in answer.headers


async def test_an_origin_not_configured_gets_no_cors_headers(cors_client, reader):
    preflight_answer = await cors_client.options("/v1/catalysts", headers=preflight("https://evil.example"))
    answer = await cors_client.get("/v1/territories", headers={**reader, "Origin": "https://evil.example"})

    assert preflight_answer.status_code == 400
    assert "access-control-allow-origin" not in preflight_answer.headers
    assert "access-control-allow-origin" not in answer.headers


API_SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}


@pytest.mark.parametrize(
    ("path", "authenticated", "status"),
    [
        ("/v1/territories", True, 200),
        ("/v1/territories", False, 401),
        ("/v1/nowhere", True, 404),
        ("/v1/catalysts?limit=0", True, 422),
        ("/v1/health", False, 200),
    ],
)
async def test_every_answer_carries_the_security_headers(client, reader, path, authenticated, status):
    answer = await client.get(path, headers=reader if authenticated else {})
    assert answer.status_code == status
    for name, value in API_SECURITY_HEADERS.items():
        assert answer.headers[name] == value, name
    assert answer.headers["cache-control"] == "private, no-cache"
    # HSTS only means something over HTTPS.
    assert "strict-transport-security" not in answer.headers


async def test_over_https_answers_ask_browsers_to_stay_on_https(app, reader):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://api.example.org") as client:
        answer = await client.get("/v1/territories", headers=reader)
    assert answer.headers["strict-transport-security"].startswith("max-age=63072000")


async def test_a_route_choosing_its_own_cache_policy_keeps_it(client, staff):
    created = await client.post("/v1/api-keys", json={"name": "platform", "scope": "read"}, headers=staff)
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    assert created.headers["x-content-type-options"] == "nosniff"


async def test_the_documentation_page_may_run_its_bundled_scripts(client):
    page = await client.get("/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
