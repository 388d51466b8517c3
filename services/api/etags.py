"""Entity tags of single objects: `ETag` on reads and writes, `If-Match` (412). A read whose
`If-None-Match` names its tag gets a 304 from services.api.conditional, as every GET does."""

import hashlib

from fastapi import Request, Response
from pydantic import BaseModel

from services.api.problems import ProblemException


def etag_of(representation: BaseModel) -> str:
    digest = hashlib.sha256(representation.model_dump_json().encode()).hexdigest()
    return f'"{digest[:32]}"'


def _matches_strongly(header: str, etag: str) -> bool:
    """Whether `header` (a list of entity tags, or *) names `etag` by the strong comparison of
    RFC 9110 §13.1.1: a weak tag never matches, since it only promises an equivalent
    representation, not the same bytes a write was based on. (If-None-Match, which compares
    weakly, is answered for every GET by services.api.conditional.)"""
    candidates = [value.strip() for value in header.split(",")]
    return "*" in candidates or etag in candidates


def check_if_match(request: Request, current: BaseModel) -> None:
    """Refuse a write made against a stale copy (optimistic concurrency)."""
    if_match = request.headers.get("if-match")
    if if_match is not None and not _matches_strongly(if_match, etag_of(current)):
        raise ProblemException(
            412,
            "The object changed since you read it: fetch it again and reapply your change.",
            slug="precondition-failed",
        )


def with_etag(response: Response, representation: BaseModel):
    response.headers["ETag"] = etag_of(representation)
    return representation
