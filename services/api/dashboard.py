"""The web dashboard at `/`: the files of its build (`npm run build` in services/web), served
by the API's own process, so that `make run` or one container gives both.

A middleware rather than routes or a mount: the OpenAPI document and the route inventory stay
those of the API. It sits inside the request context (each page and asset gets a request id
and an access log line) and outside the rate limiter (loading a page's assets must not use up
the address's allowance of API requests).

It answers GET and HEAD only, and never under the API's or the documentation's paths:
- a file of the build: `assets/*` have hashed names, so they are cached for good; the rest
  (index.html, a favicon) is revalidated on every use;
- a client-side route of the dashboard: index.html, so that a reload or a shared link opens
  the same view (history routing);
- anything else goes on to the API, whose answer is today's 404 problem.
Without a build, the dashboard's routes get a short page that says how to get one.
"""

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import anyio
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from services.api.security_headers import DASHBOARD_SCOPE_KEY

# Never the dashboard's: the API, its documentation, the metrics scrape. Checked first, so an
# API request costs a string comparison here, not a look at the disk.
RESERVED_PREFIXES = ("/v1", "/docs", "/redoc", "/openapi.json", "/metrics", "/static-offline-docs")
# The views of services/web's router. Keep in step with it: a view missing here opens on a
# reload as a 404.
SPA_PATHS = frozenset({"/", "/rollups", "/compare", "/console"})
SPA_PREFIXES = ("/alliances/", "/catalysts/")
INDEX = "index.html"
ASSETS = "assets" + os.sep
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

NOT_BUILT_PAGE = """<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Observatoire</title>
</head>
<body>
<p>Le tableau de bord n’est pas construit : installez Node.js 20.19 ou plus récent, puis relancez
<code>make run</code> ; l’API répond sous <code>/v1</code> et sa documentation est sur
<a href="/docs">/docs</a>.</p>
<p lang="en">The dashboard is not built: install Node.js 20.19 or newer and run <code>make run</code>
again; the API answers under <code>/v1</code> and its documentation is at <a href="/docs">/docs</a>.</p>
</body>
</html>
"""


@dataclass(frozen=True)
class _DashboardRoute:
    """What the request context reads as the route of a request: one label for every page
    and asset in the metrics, rather than the label of unmatched paths."""

    path: str = "<dashboard>"


DASHBOARD_ROUTE = _DashboardRoute()


def is_reserved(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED_PREFIXES)


def is_client_route(path: str) -> bool:
    return path in SPA_PATHS or any(
        path.startswith(prefix) and len(path) > len(prefix) for prefix in SPA_PREFIXES
    )


class DashboardMiddleware:
    def __init__(self, app: ASGIApp, dist: Path) -> None:
        self.app = app
        # Looked up at each request (a build made while the service runs is served), with
        # StaticFiles' guard against paths that leave the directory.
        self.files = StaticFiles(directory=dist, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or is_reserved(path):
            await self.app(scope, receive, send)
            return
        response = await self._response(path, scope)
        if response is None:
            await self.app(scope, receive, send)
            return
        scope[DASHBOARD_SCOPE_KEY] = True
        scope["route"] = DASHBOARD_ROUTE
        await response(scope, receive, send)

    async def _response(self, path: str, scope: Scope) -> Response | None:
        relative = INDEX if is_client_route(path) else os.path.normpath(os.path.join(*path.split("/")))
        found = await self._lookup(relative)
        if found is None:
            if relative == INDEX:
                return HTMLResponse(NOT_BUILT_PAGE, headers={"Cache-Control": REVALIDATE})
            return None
        full_path, stat_result = found
        response = self.files.file_response(full_path, stat_result, scope)
        # Set on 304 answers too: the browser keeps what they say about its copy.
        response.headers["Cache-Control"] = IMMUTABLE if relative.startswith(ASSETS) else REVALIDATE
        return response

    async def _lookup(self, relative: str) -> tuple[str, os.stat_result] | None:
        try:
            full_path, stat_result = await anyio.to_thread.run_sync(self.files.lookup_path, relative)
        except ValueError:  # a NUL character
            return None
        except OSError as exc:
            if isinstance(exc, PermissionError) or exc.errno == errno.ENAMETOOLONG:
                return None
            raise
        if stat_result is None or not stat.S_ISREG(stat_result.st_mode):
            return None
        return full_path, stat_result
