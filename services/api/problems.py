"""RFC 9457 problem details: the one shape of every error the API returns."""

import logging
from collections.abc import Mapping
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.core.db import CONNECTION_LOST_ERRORS, CONNECTION_LOST_STATES, raised_by_database_driver
from services.core.errors import DomainError

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"

logger = logging.getLogger("observatoire.api")

HTTP_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ProblemItem(BaseModel):
    loc: list[str | int] = Field(
        description="Where the error is: `body`, `query`, `path`, then field names and item indexes."
    )
    msg: str
    code: str = Field(description="A stable, machine-readable error code.")
    index: int | None = Field(default=None, description="For batches: the item's index.")
    line: int | None = Field(default=None, description="For CSV: the line number (header = 1).")


class Problem(BaseModel):
    type: str = Field(description="A URI reference naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[ProblemItem] | None = None


class ProblemException(Exception):
    """An HTTP error raised by the API layer itself (authentication, preconditions...)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.errors = errors
        self.headers = headers


def problem_response(
    request: Request,
    status: int,
    detail: str | None,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug if slug else "about:blank",
        "title": title or HTTP_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _validation_items(exc: RequestValidationError) -> list[dict[str, Any]]:
    items = []
    for error in exc.errors():
        items.append(
            {
                "loc": [part if isinstance(part, int | str) else str(part) for part in error["loc"]],
                "msg": error["msg"],
                "code": error["type"],
            }
        )
    return items


def _sqlstate(exc: Exception) -> str:
    """PostgreSQL's error code, whether the error came through SQLAlchemy or straight from
    asyncpg (the statements run on the driver connection: COPY, the hot list reads)."""
    cause = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    return getattr(cause, "sqlstate", None) or ""


def _is_database_unavailable(exc: Exception) -> bool:
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return True
    # The driver's own errors and codes, as services.core.db reads them to drop a connection.
    if isinstance(exc, CONNECTION_LOST_ERRORS) or _sqlstate(exc).startswith(CONNECTION_LOST_STATES):
        return True
    # Refused, reset, timed out: the database's connection only when the driver or the pool
    # raised it. A route's own OSError (a missing file, a permission) is a bug: a 500, logged.
    return isinstance(exc, OSError) and raised_by_database_driver(exc)


# PostgreSQL aborts one of two transactions that wait on each other (deadlock) or that it
# cannot serialise: nothing of that request was written, and sending it again is the cure.
TRANSACTION_CONFLICT_STATES = frozenset({"40P01", "40001"})


def _is_transaction_conflict(exc: Exception) -> bool:
    return _sqlstate(exc) in TRANSACTION_CONFLICT_STATES


def _driver_message(exc: Exception) -> str:
    cause = getattr(exc, "orig", None) or exc
    first_line = str(cause).splitlines()[0] if str(cause) else ""
    return f"{type(cause).__name__}: {first_line[:300]}"


def _allowed_methods(request: Request) -> str:
    """Every method of the path. Starlette's 405 names those of the first route of the path
    only, and each method of a path is a route of its own here."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):  # included routers' too
        match, _ = route.matches(request.scope)
        if match != Match.NONE and route.methods:
            methods |= route.methods
    return ", ".join(sorted(methods))


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError):
        return problem_response(
            request, exc.status, exc.detail, slug=exc.slug, title=exc.title, errors=exc.errors
        )

    @app.exception_handler(ProblemException)
    async def _problem(request: Request, exc: ProblemException):
        return problem_response(
            request, exc.status, exc.detail, slug=exc.slug, errors=exc.errors, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        items = _validation_items(exc)
        fields = ", ".join(".".join(str(p) for p in item["loc"]) for item in items[:5])
        return problem_response(
            request,
            422,
            f"The request is not valid: {fields}.",
            slug="validation-error",
            errors=items,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return problem_response(request, exc.status_code, detail, headers=headers)

    @app.exception_handler(sa_exc.IntegrityError)
    async def _integrity(request: Request, exc: sa_exc.IntegrityError):
        # A uniqueness race lost against a concurrent request: the service checked first,
        # so this only happens when two requests create the same thing at once.
        logger.warning("integrity error on %s: %s", request.url.path, exc.orig)
        return problem_response(
            request, 409, "This conflicts with data written at the same time; retry.", slug="conflict"
        )

    # Errors escaping the middlewares themselves; those of the routes are answered by
    # UnexpectedErrorMiddleware, inside the middlewares that add the request id and headers.
    app.add_exception_handler(Exception, unexpected_error_response)


async def unexpected_error_response(request: Request, exc: Exception) -> JSONResponse:
    if _is_transaction_conflict(exc):
        logger.warning("transaction conflict on %s: %s", request.url.path, _driver_message(exc))
        return problem_response(
            request, 409, "This conflicts with data written at the same time; retry.", slug="conflict"
        )
    if _is_database_unavailable(exc):
        # The driver's message, not the statement: its parameters may hold a key's hash.
        logger.warning("database unavailable on %s: %s", request.url.path, _driver_message(exc))
        return problem_response(
            request,
            503,
            "The database is not answering; retry shortly.",
            slug="service-unavailable",
            headers={"Retry-After": "5"},
        )
    logger.exception("unexpected error on %s", request.url.path)
    return problem_response(
        request, 500, "An unexpected error occurred; it has been logged.", slug="internal-error"
    )


class UnexpectedErrorMiddleware:
    """Answers an exception no handler took with a problem (503 when the database is down,
    500 otherwise), inside the middlewares, so that the answer gets their headers too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def watch_start(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            try:
                await self.app(scope, receive, watch_start)
            except Exception as exc:
                # A pooled connection found dead by its first statement (the server restarted
                # and the driver had not noticed): a read is answered again, on a new one.
                if response_started or scope["method"] not in RETRIED_METHODS or not _lost_connection(exc):
                    raise
                logger.info(
                    "retrying %s on a new database connection: %s", scope["path"], _driver_message(exc)
                )
                await self.app(scope, receive, watch_start)
        except Exception as exc:
            if response_started:
                raise
            response = await unexpected_error_response(Request(scope), exc)
            await response(scope, receive, send)


RETRIED_METHODS = frozenset({"GET", "HEAD"})


def _lost_connection(exc: Exception) -> bool:
    """The connection the request used was gone (not: the database refuses new ones)."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    cause = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    # The connection class of errors (ConnectionDoesNotExistError...), and the driver's errors
    # for a connection closed or ended mid-exchange, as services.core.db reads them: a
    # statement sent straight to the driver (the list reads) fails with these.
    lost = (asyncpg.PostgresConnectionError, *CONNECTION_LOST_ERRORS, ConnectionResetError, BrokenPipeError)
    return isinstance(cause, lost)
