"""Request bodies read by hand: bulk endpoints need size limits and their own parsing."""

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute

from services.api.problems import ProblemException

MAX_BULK_BODY_BYTES = 16 * 1024 * 1024
# The largest single object (an indicator or an alliance, two texts of 5,000 characters) is
# well under 100 KiB even with every character escaped: 1 MiB leaves room and no more.
MAX_JSON_BODY_BYTES = 1024 * 1024


def _too_large(limit: int) -> ProblemException:
    return ProblemException(
        413, f"The body is larger than the limit of {limit // (1024 * 1024)} MiB.", slug="content-too-large"
    )


async def read_body(request: Request, limit: int = MAX_BULK_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def require_media_type(request: Request, *accepted: str) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in accepted:
        raise ProblemException(
            415,
            f"Send the body as {' or '.join(accepted)} (got {media_type or 'no content type'}).",
            slug="unsupported-media-type",
        )


async def read_json(request: Request, limit: int = MAX_BULK_BODY_BYTES):
    require_media_type(request, "application/json")
    body = await read_body(request, limit)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ProblemException(
            422,
            f"The body is not valid JSON: {exc}.",
            slug="validation-error",
            errors=[{"loc": ["body"], "msg": "Invalid JSON.", "code": "json_invalid"}],
        ) from exc


async def read_text(request: Request, *media_types: str, limit: int = MAX_BULK_BODY_BYTES) -> str:
    require_media_type(request, *media_types)
    body = await read_body(request, limit)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemException(
            422,
            "The file is not UTF-8 text: save it as CSV UTF-8.",
            slug="validation-error",
            errors=[{"loc": ["body"], "msg": "Not UTF-8.", "code": "encoding"}],
        ) from exc


class LimitedBodyRoute(APIRoute):
    """A route whose JSON body FastAPI parses, with a limit on its size.

    FastAPI reads the whole body into memory before any dependency runs (authentication
    included), so without this any caller could make the server buffer and parse a body of
    any size. The body is read here, up to MAX_JSON_BODY_BYTES, and FastAPI parses it from
    that copy. Routes without a body field (the bulk ones) read theirs with `read_body`.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def limited_handler(request: Request) -> Response:
            # Starlette's Request.body() returns this cached copy instead of reading again.
            request._body = await read_body(request, MAX_JSON_BODY_BYTES)
            return await handler(request)

        return limited_handler
