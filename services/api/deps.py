"""Dependencies shared by the routes: the session, the caller, pagination, query hygiene."""

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.problems import ProblemException
from services.core.auth.principal import ANONYMOUS, Principal
from services.core.db import session_scope
from services.core.pagination import (
    BIG_INTEGER_CURSOR,
    DEFAULT_LIMIT,
    ID_CURSOR,
    INTEGER_CURSOR,
    MAX_LIMIT,
    SERIES_CURSOR,
    CursorFormat,
)
from services.core.territories.schemas import TERRITORY_CURSOR


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with session_scope(request.app.state.session_factory) as session:
        yield session


# scope="function": the transaction commits before the response is sent, so a client never
# sees a success for a write that then failed to commit.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="obs_<random>",
    description="An API key: `Authorization: Bearer obs_...`.",
)

UNAUTHORIZED_DETAIL = "A valid API key is required: Authorization: Bearer obs_..."


async def current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    # Missing, malformed, unknown and revoked keys get the same answer, byte for byte, so
    # that the response tells nothing about which keys exist.
    principal = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        principal = await request.app.state.api_key_cache.authenticate(session, credentials.credentials)
    if principal is None:
        raise ProblemException(
            401, UNAUTHORIZED_DETAIL, slug="unauthorized", headers={"WWW-Authenticate": "Bearer"}
        )
    # For the access log line of this request.
    request.state.api_key_id = str(principal.key_id)
    return principal


async def writer_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.can_write:
        raise ProblemException(403, "This operation needs a write or staff key.", slug="forbidden")
    return principal


async def staff_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_staff:
        raise ProblemException(403, "This operation needs a staff key.", slug="forbidden")
    return principal


async def public_reader(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """The caller of a route that public read opens (published data): with public read on, a
    request without any Authorization header reads anonymously; one that presents a key has
    it checked as everywhere else, so that a client sending a wrong key is told so (401)
    rather than silently served as anonymous."""
    if request.app.state.settings.public_read and "authorization" not in request.headers:
        # No api_key_id for the access log: the line shows an anonymous request.
        return ANONYMOUS
    return await current_principal(request, session, credentials)


ReaderDep = Annotated[Principal, Depends(current_principal)]
# Same security requirement in the OpenAPI document as ReaderDep (the bearer scheme): the
# document describes the default, public read off.
PublicReaderDep = Annotated[Principal, Depends(public_reader)]
WriterDep = Annotated[Principal, Depends(writer_principal)]
StaffDep = Annotated[Principal, Depends(staff_principal)]

# An integer or a boolean of the query or the path written as the OpenAPI document (JSON Schema)
# reads it: a JSON number of integral value (`12`, `-3`, `5.0`), `true` or `false`. pydantic alone
# would also take "1_000", "+12", " 12" or "0x1A" for an integer and "yes", "1" or "on" for a
# boolean. The checks come before pydantic's and leave the document's schemas as they are.
_INTEGER_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_BOOLEAN_TEXT = re.compile(r"true|false")


def _integer_text(value: Any) -> Any:
    if isinstance(value, str) and not _INTEGER_TEXT.fullmatch(value):
        raise PydanticCustomError("integer_text", "Expected an integer.")
    return value


def _boolean_text(value: Any) -> Any:
    if isinstance(value, str) and not _BOOLEAN_TEXT.fullmatch(value):
        raise PydanticCustomError("boolean_text", "Expected `true` or `false`.")
    return value


# Annotations rather than types: each goes last in a parameter's Annotated, after the bounds of
# its Query() or Path() (or of its type), which pydantic can then still publish as the schema's
# minimum and maximum; a check placed before them would turn them into unknown keywords.
WrittenAsInteger = BeforeValidator(_integer_text)
WrittenAsBoolean = BeforeValidator(_boolean_text)

LimitQuery = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"Page size (default {DEFAULT_LIMIT}, max {MAX_LIMIT})."),
    WrittenAsInteger,
]


def _cursor_query(cursor_format: CursorFormat):
    # The pattern is what every cursor of this kind of list looks like, and any string that
    # matches it is a position the list can start after (see services.core.pagination).
    return Annotated[
        str | None,
        Query(
            pattern=cursor_format.pattern,
            description="Opaque cursor: the `next_cursor` of the previous page.",
        ),
    ]


# Most lists are ordered by id; the others say which key orders them.
CursorQuery = _cursor_query(ID_CURSOR)
IntegerCursorQuery = _cursor_query(INTEGER_CURSOR)
BigIntegerCursorQuery = _cursor_query(BIG_INTEGER_CURSOR)
SeriesCursorQuery = _cursor_query(SERIES_CURSOR)
TerritoryCursorQuery = _cursor_query(TERRITORY_CURSOR)
SearchQuery = Annotated[
    str | None, Query(min_length=1, max_length=200, description="Case-insensitive text search.")
]

_query_names_by_route: dict[int, frozenset[str]] = {}


def _collect_query_names(dependant: Dependant, names: set[str]) -> None:
    names.update(param.alias for param in dependant.query_params)
    for sub_dependant in dependant.dependencies:
        _collect_query_names(sub_dependant, names)


def _query_names_of(route: APIRoute) -> frozenset[str]:
    """The query parameters a route takes, its dependencies' included, read once."""
    names = _query_names_by_route.get(id(route))
    if names is None:
        collected: set[str] = set()
        _collect_query_names(route.dependant, collected)
        names = _query_names_by_route[id(route)] = frozenset(collected)
    return names


async def check_request_parameters(request: Request) -> None:
    """A misspelt filter must not silently return everything: unknown parameters are a 400.
    Parameters holding a NUL character (which no database column can store) are a 400 too."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _query_names_of(route)
    for location, values in (("query", request.query_params), ("path", request.path_params)):
        for name, value in values.items():
            if isinstance(value, str) and "\x00" in value:
                raise ProblemException(
                    400,
                    f"The {location} parameter {name} contains a NUL character.",
                    slug="bad-request",
                    errors=[{"loc": [location, name], "msg": "NUL character.", "code": "nul_character"}],
                )
    unknown = sorted({name for name in request.query_params if name not in allowed})
    if unknown:
        raise ProblemException(
            400,
            f"Unknown query parameter(s): {', '.join(unknown)}. "
            f"Accepted: {', '.join(sorted(allowed)) or 'none'}.",
            slug="unknown-query-parameter",
            errors=[
                {"loc": ["query", name], "msg": "Unknown query parameter.", "code": "unknown_parameter"}
                for name in unknown
            ],
        )
