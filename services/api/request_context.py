"""Every request gets an id, one access log line and its place in the metrics.

The id comes from the caller's `X-Request-ID` when it is a reasonable token (so that a
platform can follow its own request through our logs), or is made up here; it is echoed in
the response and bound to every log line written while the request is served.
"""

import re
import time
import uuid

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.metrics import UNMATCHED_ROUTE, observe_request
from services.core.logs import bound_context, get_logger

HEADER = b"x-request-id"
# Echoed into headers and logs: no spaces, no control characters, bounded length.
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

access_logger = get_logger("observatoire.access")


def request_id_of(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER:
            candidate = value.decode("latin-1")
            if ACCEPTED_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    if route is None:
        # Answered before routing (rate limited): find the route the request was meant for.
        router = getattr(scope.get("app"), "router", None)
        for candidate in getattr(router, "routes", ()):
            if candidate.matches(scope)[0] == Match.FULL:
                route = candidate
                break
    return getattr(route, "path", None) or UNMATCHED_ROUTE


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (HEADER, request_id.encode())]
            await send(message)

        with bound_context(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                route = _route_template(scope)
                observe_request(scope["method"], route, status, seconds)
                state = scope.get("state") or {}
                access_logger.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    route=route,
                    status=status,
                    duration_ms=round(seconds * 1000, 2),
                    client=(scope.get("client") or ("-",))[0],
                    api_key_id=state.get("api_key_id"),
                )
