"""Entity tags of single objects: `ETag` on reads, `If-None-Match` (304), `If-Match` (412)."""

import hashlib

from fastapi import Request, Response
from pydantic import BaseModel

from services.api.problems import ProblemException


def etag_of(representation: BaseModel) -> str:
    digest = hashlib.sha256(representation.model_dump_json().encode()).hexdigest()
    return f'"{digest[:32]}"'


def _matches(header: str, etag: str, *, strong: bool = False) -> bool:
    """Whether `header` (a list of entity tags, or *) names `etag` (RFC 9110 §13.1.1-2).

    The weak comparison (If-None-Match) ignores W/ on both sides; the strong one (If-Match,
    `strong=True`) never matches a weak tag: a weak tag only promises an equivalent
    representation, not the same bytes a write was based on.
    """
    candidates = [value.strip() for value in header.split(",")]
    if not strong:
        candidates = [value.removeprefix("W/") for value in candidates]
    return "*" in candidates or etag in candidates


def conditional_read(request: Request, response: Response, representation: BaseModel):
    """The representation with its ETag, or a bare 304 when the client's copy is current."""
    etag = etag_of(representation)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and _matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return representation


def check_if_match(request: Request, current: BaseModel) -> None:
    """Refuse a write made against a stale copy (optimistic concurrency)."""
    if_match = request.headers.get("if-match")
    if if_match is not None and not _matches(if_match, etag_of(current), strong=True):
        raise ProblemException(
            412,
            "The object changed since you read it: fetch it again and reapply your change.",
            slug="precondition-failed",
        )


def with_etag(response: Response, representation: BaseModel):
    response.headers["ETag"] = etag_of(representation)
    return representation
