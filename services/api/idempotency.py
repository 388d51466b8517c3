"""`Idempotency-Key` on every POST: a retry with the same body gets the first response.

An ASGI middleware, because it must see the raw body (to tell a retry from another request)
and the complete response (to replay it), whatever the route.
"""

import hashlib

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.bodies import MAX_BULK_BODY_BYTES
from services.api.problems import PROBLEM_MEDIA_TYPE, problem_response
from services.core.db import session_scope
from services.core.idempotency import service

HEADER = b"idempotency-key"
REPLAYED_HEADERS = ("content-type", "location", "etag", "cache-control")
# Responses not worth replaying: the client should be free to retry them.
NOT_STORED = {401, 408, 409, 429}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _owner(authorization: str | None) -> str | None:
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    return hashlib.sha256(authorization[7:].strip().encode()).hexdigest()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = _header(scope, HEADER)
        authorization = _header(scope, b"authorization")
        owner = _owner(authorization)
        if key is None or owner is None or authorization is None:
            # Without a key there is nothing to remember; without credentials the request
            # will be refused anyway.
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        factory = state.session_factory
        if not await _is_live_key(state, authorization):
            # An unknown or revoked key gets the route's 401, as without an Idempotency-Key: it
            # must not replay a response stored while it was live, nor leave a record behind.
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if not 1 <= len(key) <= 255 or not key.isprintable():
            await problem_response(
                request, 400, "Idempotency-Key must be 1 to 255 printable characters.", slug="bad-request"
            )(scope, receive, send)
            return
        try:
            body = await _read_body(receive)
        except _ClientDisconnected:
            # Part of a body is another request than the one the client meant: running it would
            # store its answer (a 422, say) under the key, and the retry with the full body would
            # be refused as a reuse of the key. Nobody is left to answer.
            return
        if body is None:
            await problem_response(
                request, 413, "The body is larger than the limit of 16 MiB.", slug="content-too-large"
            )(scope, receive, send)
            return
        fingerprint = service.request_fingerprint(
            "POST", scope["path"], scope.get("query_string", b"").decode("latin-1"), body
        )
        claim = await service.claim(factory, owner, key, fingerprint)
        if claim.conflict == "mismatch":
            await problem_response(
                request,
                422,
                "This Idempotency-Key was already used with another request: use a new key.",
                slug="idempotency-key-reused",
            )(scope, receive, send)
            return
        if claim.conflict == "in_progress":
            await problem_response(
                request,
                409,
                "A request with this Idempotency-Key is still being processed; retry later.",
                slug="idempotency-key-in-progress",
                headers={"Retry-After": "1"},
            )(scope, receive, send)
            return
        if claim.replay is not None:
            await _replay(claim.replay, send)
            return
        await self._run_and_record(scope, body, send, factory, claim.record_id)

    async def _run_and_record(self, scope, body: bytes, send: Send, factory, record_id) -> None:
        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        status = 500
        headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.decode("latin-1").lower() in REPLAYED_HEADERS:
                        headers[name.decode("latin-1").lower()] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            await service.release(factory, record_id)
            raise
        if status >= 500 or status in NOT_STORED:
            await service.release(factory, record_id)
        elif 200 <= status < 300 and "no-store" in headers.get("cache-control", ""):
            # The response shows a secret once (an API key, a webhook's signing secret). Keeping
            # it would store the secret in clear, where API keys exist only as a hash: a retry
            # is told where the object is, not its secret.
            withheld = _secret_withheld(scope, headers.get("location"))
            await service.complete(factory, record_id, *withheld)
        else:
            await service.complete(factory, record_id, status, headers, b"".join(chunks))


async def _is_live_key(state, authorization: str) -> bool:
    # A key the process keeps costs no database read (the session is then never used).
    async with session_scope(state.session_factory) as session:
        return await state.api_key_cache.authenticate(session, authorization[7:].strip()) is not None


def _secret_withheld(scope: Scope, location: str | None) -> tuple[int, dict[str, str], bytes]:
    """What a retry of a request whose response held a secret gets instead of that response."""
    where = f" at {location}" if location else ""
    response = problem_response(
        Request(scope),
        409,
        f"This request was already processed: the object was created{where}. Its secret was shown "
        "once, in the first response, and is not kept: if it was lost, revoke or delete the object "
        "and create a new one.",
        slug="idempotency-secret-not-replayed",
    )
    headers = {"content-type": PROBLEM_MEDIA_TYPE, **({"location": location} if location else {})}
    return 409, headers, bytes(response.body)


class _ClientDisconnected(Exception):
    """The client went away before the end of its body."""


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when it is larger than the limit."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BULK_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _replay(record, send: Send) -> None:
    headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in record.response_headers.items()
    ]
    headers.append((b"idempotent-replayed", b"true"))
    headers.append((b"content-length", str(len(record.response_body)).encode()))
    await send({"type": "http.response.start", "status": record.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": record.response_body})
