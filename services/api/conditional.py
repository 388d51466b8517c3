"""Every GET answer of the API has an entity tag, and a client whose copy is current gets 304.

Routes that know their representation's tag set `ETag` themselves (single objects, exports,
published snapshots); for the others, lists above all, the tag is a hash of the body that was
about to be sent. Lists stay strongly consistent (each request reads the database): the tag
only saves the body's transfer, and the client's parsing, when nothing changed.
"""

import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/v1/"
# What a 304 repeats of the 200 it stands for (RFC 9110 §15.4.5).
KEPT_ON_304 = frozenset({b"etag", b"cache-control", b"content-location", b"expires", b"vary"})


def etag_of_body(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def if_none_match_matches(if_none_match: bytes, etag: bytes) -> bool:
    """The weak comparison of RFC 9110 §13.1.2, which If-None-Match uses."""
    candidates = [value.strip().removeprefix(b"W/") for value in if_none_match.split(b",")]
    return b"*" in candidates or etag.removeprefix(b"W/") in candidates


class ConditionalGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        if_none_match = next((value for name, value in scope["headers"] if name == b"if-none-match"), None)
        start: Message | None = None

        async def tagged(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200:
                    await send(message)
                else:
                    start = message  # held until the body tells its tag
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            held, start = start, None
            if message.get("more_body", False):  # streamed (an export): sent as it comes
                await send(held)
                await send(message)
                return
            body = message.get("body", b"")
            headers = list(held.get("headers", []))
            etag = next((value for name, value in headers if name == b"etag"), None)
            if etag is None:
                etag = etag_of_body(body)
                headers.append((b"etag", etag))
            if if_none_match is not None and if_none_match_matches(if_none_match, etag):
                kept = [(name, value) for name, value in headers if name in KEPT_ON_304]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**held, "headers": headers})
            await send(message)

        await self.app(scope, receive, tagged)
