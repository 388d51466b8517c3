"""A real `observatoire serve` with the demo data and two published snapshots, the built
dashboard, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from tests.test_cli import observatoire
from tests.worker.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "services" / "web"
DIST = WEB / "dist"
AXE_SCRIPT = WEB / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("OBSERVATOIRE_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags, Chromium tries to reach Google's hosts at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Catches what the page itself would not print: every violation of its Content-Security-Policy.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@dataclass
class Server:
    base_url: str
    staff_key: str
    read_key: str
    log: Path

    def get(self, path: str, key: str | None = None, **params) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.get(f"{self.base_url}{path}", params=params, headers=headers, timeout=30)

    def all_items(self, path: str, key: str | None = None, **params) -> list[dict]:
        items, cursor = [], None
        while True:
            query = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
            page = self.get(path, key, **query)
            assert page.status_code == 200, page.text
            items += page.json()["items"]
            cursor = page.json()["next_cursor"]
            if not cursor:
                return items


def start_server(database: Path, log: Path, public_read: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "PYTHONPATH": str(ROOT),
        "OBSERVATOIRE_PUBLIC_READ": "true" if public_read else "false",
        "OBSERVATOIRE_WEB_DIST": str(DIST),
        "OBSERVATOIRE_RATE_LIMIT_REQUESTS": "0",
    }
    for name in ("REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base_url}/v1/health", timeout=1).status_code == 200:
                return process, base_url
        except httpx.TransportError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def cli(database: Path, *args: str) -> str:
    result = observatoire(*args, database=database)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> tuple[Path, str, str]:
    assert (DIST / "index.html").is_file(), (
        "The dashboard is not built: `make web` builds it (make test does)."
    )
    database = tmp_path_factory.mktemp("browser") / "demo.db"
    cli(database, "migrate")
    cli(database, "seed-demo")
    # Two snapshots, a year apart, so that the comparison has something to compare.
    cli(database, "aggregate", "--as-of", "2025-06-30", "--wait")
    cli(database, "aggregate", "--wait")
    staff_key = cli(database, "keys", "create", "--scope", "staff", "--name", "browser staff").split()[-1]
    read_key = cli(database, "keys", "create", "--scope", "read", "--name", "browser read").split()[-1]
    return database, staff_key, read_key


@pytest.fixture(scope="session")
def server(demo_database) -> Server:
    database, staff_key, read_key = demo_database
    log = database.parent / "serve-public.log"
    process, base_url = start_server(database, log, public_read=True)
    yield Server(base_url, staff_key, read_key, log)
    stop(process)


@pytest.fixture(scope="session")
def empty_server(tmp_path_factory) -> Server:
    """A new observatory: migrated, nothing registered, nothing published yet."""
    database = tmp_path_factory.mktemp("browser-empty") / "empty.db"
    cli(database, "migrate")
    staff_key = cli(database, "keys", "create", "--scope", "staff").split()[-1]
    log = database.parent / "serve-empty.log"
    process, base_url = start_server(database, log, public_read=True)
    yield Server(base_url, staff_key, staff_key, log)
    stop(process)


@pytest.fixture(scope="session")
def closed_server(demo_database) -> Server:
    """The same data, served by an observatory that does not open it without a key."""
    database, staff_key, read_key = demo_database
    log = database.parent / "serve-closed.log"
    process, base_url = start_server(database, log, public_read=False)
    yield Server(base_url, staff_key, read_key, log)
    stop(process)


# Module scope, not session: Playwright's sync API keeps an event loop of its own running
# until it stops, and the async tests that the same worker process runs next need none.
@pytest.fixture(scope="module")
def browser() -> Browser:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does)."
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What a page did that it should not: errors in its console, CSP violations, requests
    to another origin."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def on_request(self, request: Request) -> None:
        url = request.url
        if not (url.startswith(self.origin + "/") or url.startswith(("data:", "blob:", "about:"))):
            self.foreign_requests.append(url)

    def assert_clean(self, page: Page) -> None:
        violations = page.evaluate("window.__cspViolations || []")
        assert violations == [], violations
        assert self.console_errors == [], self.console_errors
        assert self.foreign_requests == [], self.foreign_requests


def open_page(browser: Browser, server: Server, viewport: dict = DESKTOP) -> tuple[Page, Watch]:
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    watch = Watch(server.base_url)
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.console_errors.append(f"page error: {error}"))
    page.on("request", watch.on_request)
    return page, watch


@pytest.fixture
def page_and_watch(browser, server):
    page, watch = open_page(browser, server)
    yield page, watch
    page.context.close()


def axe_violations(page: Page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is. The script is run
    through the DevTools protocol, which the page's policy does not govern."""
    page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
    )
    return [violation for violation in result if violation["impact"] in ("serious", "critical")]


@pytest.fixture(autouse=True)
def _clean_database():
    """These tests use a server of their own, not the shared app; and Playwright's sync API
    runs its own event loop, beside which pytest-asyncio's cannot run."""
    yield
