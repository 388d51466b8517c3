"""The web dashboard served at `/` from its build: files, client-side routes, their own
security headers, and the API, the documentation and the 404s left as they were."""

from pathlib import Path

import httpx
import pytest

from services.api.main import create_app
from services.core.config import DEFAULT_WEB_DIST, Settings

ROOT = Path(__file__).resolve().parents[2]
INDEX = '<!doctype html><title>Observatoire</title><script type="module" src="/assets/app.js"></script>'
APP_JS = "console.log('dashboard');\n"
DASHBOARD_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
CLIENT_ROUTES = [
    "/",
    "/rollups",
    "/compare",
    "/console",
    "/alliances/some-id",
    "/catalysts/0190b3c4-2f6e-7a54-9e1c-3f1a2b4c5d6e",
]


@pytest.fixture
def dist(tmp_path) -> Path:
    """A build as Vite writes it: index.html, hashed assets, a favicon at the top."""
    build = tmp_path / "dist"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_text(INDEX)
    (build / "assets" / "app.js").write_text(APP_JS)
    (build / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    # Beside the build, never served.
    (tmp_path / "secret.txt").write_text("not for the web")
    return build


async def _client(database_url: str, web_dist: Path, **settings):
    app = create_app(
        Settings(database_url=database_url, web_dist=web_dist, **{"rate_limit_requests": 0, **settings})
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    return app, client


@pytest.fixture
async def web(database_url, dist):
    app, client = await _client(database_url, dist)
    async with client:
        yield client
    await app.state.engine.dispose()


@pytest.fixture
async def web_without_build(database_url, tmp_path):
    app, client = await _client(database_url, tmp_path / "never-built")
    async with client:
        yield client
    await app.state.engine.dispose()


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_dashboard_headers(response) -> None:
    policy = response.headers["content-security-policy"]
    assert policy == DASHBOARD_POLICY
    directives = _directives(policy)
    # Scripts fall under default-src: only the bundled files of our origin may run.
    assert "script-src" not in directives and "style-src" not in directives
    for name in ("default-src", "script-src", "style-src"):
        assert "unsafe-inline" not in directives.get(name, "") and "unsafe-eval" not in directives.get(
            name, ""
        )
    assert "unsafe" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"


def assert_not_found_problem(response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert response.headers["content-security-policy"] == API_POLICY


def test_the_build_is_looked_for_next_to_the_web_sources_unless_configured(monkeypatch):
    assert DEFAULT_WEB_DIST == ROOT / "services" / "web" / "dist"
    monkeypatch.delenv("OBSERVATOIRE_WEB_DIST", raising=False)
    assert Settings().web_dist == DEFAULT_WEB_DIST
    monkeypatch.setenv("OBSERVATOIRE_WEB_DIST", "/srv/dashboard")
    assert Settings().web_dist == Path("/srv/dashboard")


async def test_the_dashboard_is_at_the_root_with_its_own_policy(web):
    page = await web.get("/", headers={"X-Request-ID": "page-1"})
    assert page.status_code == 200
    assert page.text == INDEX
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    # Logged like any request, with its id.
    assert page.headers["x-request-id"] == "page-1"
    assert_dashboard_headers(page)


@pytest.mark.parametrize("path", CLIENT_ROUTES)
async def test_every_view_of_the_dashboard_opens_from_its_own_address(web, path):
    """History routing: a reload or a shared link of any view gets the page, which then shows
    that view."""
    page = await web.get(path)
    assert page.status_code == 200
    assert page.text == INDEX
    assert_dashboard_headers(page)


async def test_hashed_assets_are_cached_for_good_and_revalidated_with_their_etag(web):
    asset = await web.get("/assets/app.js")
    assert asset.status_code == 200
    assert asset.text == APP_JS
    assert "javascript" in asset.headers["content-type"]
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert_dashboard_headers(asset)
    again = await web.get("/assets/app.js", headers={"If-None-Match": asset.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_other_files_of_the_build_are_served_and_revalidated(web):
    icon = await web.get("/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.headers["cache-control"] == "no-cache"
    head = await web.head("/")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(INDEX)


@pytest.mark.parametrize(
    "path",
    [
        "/assets/missing.js",
        "/nonexistent",
        "/alliances",
        "/alliances/",
        "/assets/..%2F..%2Fsecret.txt",
        "/..%2Fsecret.txt",
        "/assets",
    ],
)
async def test_anything_else_is_the_usual_404_problem(web, path):
    assert_not_found_problem(await web.get(path))


async def test_only_reads_are_the_dashboards(web):
    posted = await web.post("/", content=b"x")
    assert posted.status_code in (404, 405)
    assert posted.headers["content-type"] == "application/problem+json"


async def test_the_api_and_the_documentation_keep_their_own_headers(web, reader):
    api = await web.get("/v1/territories", headers=reader)
    assert api.status_code == 200
    assert api.headers["content-security-policy"] == API_POLICY
    assert api.headers["cache-control"] == "private, no-cache"
    assert_not_found_problem(await web.get("/v1/nowhere", headers=reader))
    docs = await web.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "script-src 'self' 'unsafe-inline'" in docs.headers["content-security-policy"]
    assert (await web.get("/openapi.json")).json()["info"]["title"] == "Observatoire"
    assert (await web.get("/redoc")).status_code == 200
    assert (await web.get("/metrics")).status_code == 200


async def test_the_document_does_not_list_the_dashboard(web):
    document = (await web.get("/openapi.json")).json()
    assert all(path.startswith("/v1/") for path in document["paths"])


async def test_without_a_build_the_root_says_how_to_get_the_dashboard(web_without_build):
    for path in ("/", "/rollups", "/alliances/some-id"):
        page = await web_without_build.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["cache-control"] == "no-cache"
        assert_dashboard_headers(page)
        text = page.text
        # In French and in English: what to install, what to run, where the API is meanwhile.
        assert "Node.js 20" in text and "make run" in text and "/docs" in text and "/v1" in text
        assert "tableau de bord" in text and "dashboard" in text
        # Self-contained: nothing to run and nothing to fetch.
        assert "<script" not in text and "src=" not in text and "<link" not in text and "style" not in text
        assert "http" not in text
    assert_not_found_problem(await web_without_build.get("/assets/app.js"))


async def test_pages_and_assets_do_not_use_up_the_addresss_rate_limit(database_url, dist):
    app, client = await _client(database_url, dist, rate_limit_requests=2)
    async with client:
        files = [await client.get(path) for path in ("/", "/assets/app.js", "/alliances/x", "/favicon.svg")]
        api = [await client.get("/v1/health"), await client.get("/v1/territories")]
    await app.state.rate_limiter.close()
    await app.state.engine.dispose()

    assert [response.status_code for response in files] == [200, 200, 200, 200]
    assert all("ratelimit-limit" not in response.headers for response in files)
    # The address's first counted request: the pages before it counted nothing.
    assert api[1].status_code == 401
    assert api[1].headers["ratelimit-remaining"] == "1"


async def test_dashboard_requests_are_counted_under_one_route_label(web):
    await web.get("/alliances/one")
    await web.get("/alliances/two")
    metrics = (await web.get("/metrics")).text
    assert 'route="<dashboard>"' in metrics
    assert "/alliances/one" not in metrics
