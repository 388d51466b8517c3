"""Response headers that keep browsers from misusing the API's answers (OWASP REST guidance)."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The API returns data, never pages: nothing may be framed, sniffed or run from it.
API_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# The documentation pages run their own (bundled, offline) scripts and styles.
DOCS_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'",
    ),
]
DOCS_PATH_PREFIXES = ("/docs", "/redoc", "/static")
# The web dashboard (services/api/dashboard.py) runs its own bundled scripts and styles and
# nothing else: no inline script or style, no eval, nothing from another origin; it talks to
# the API on its own origin (connect-src falls back to 'self'). Its URL may carry a key in
# its fragment: browsers never send fragments in Referer, and no-referrer sends nothing at all.
DASHBOARD_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# Set in the scope by the dashboard middleware when it answers: a path it does not serve
# (a missing asset, an unknown page) gets the API's 404 and the API's strict headers.
DASHBOARD_SCOPE_KEY = "observatoire.dashboard"
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
# Answers depend on the caller's key: no shared cache may keep them. Clients still revalidate
# with ETag / If-None-Match.
DEFAULT_CACHE_CONTROL = (b"cache-control", b"private, no-cache")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = scope["path"].startswith(DOCS_PATH_PREFIXES)
        # Behind a TLS-terminating proxy, uvicorn's proxy headers set the scheme to https.
        is_https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Chosen when the answer starts: only then is it known whether the dashboard gave it.
                is_dashboard = scope.get(DASHBOARD_SCOPE_KEY, False)
                added = DASHBOARD_HEADERS if is_dashboard else DOCS_HEADERS if is_docs else API_HEADERS
                if is_https:
                    added = [*added, HSTS]
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in added if header[0] not in present)
                # The dashboard's files say how long they keep (immutable assets, revalidated pages).
                if b"cache-control" not in present and not is_docs and not is_dashboard:
                    headers.append(DEFAULT_CACHE_CONTROL)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
