"""Dependencies shared by the routes: the session, the caller, pagination, query hygiene."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, get_args

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
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

LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (default {DEFAULT_LIMIT}, max {MAX_LIMIT}).")
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

# An integer or a boolean parameter written as the OpenAPI document (JSON Schema) reads it: a
# JSON number of integral value (`12`, `-3`, `5.0`), `true` or `false`. pydantic alone would also
# take "1_000", "+12", " 12" or "0x1A" for an integer and "yes", "1" or "on" for a boolean.
SCALAR_TEXT = {
    "integer": (re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"), "an integer"),
    "boolean": (re.compile(r"true|false"), "`true` or `false`"),
}


@dataclass(frozen=True)
class ParameterRules:
    """What a route takes: the names of its query parameters, and which of its query and path
    parameters are integers or booleans, read once from its dependency tree."""

    query_names: frozenset[str]
    scalar_kinds: dict[tuple[str, str], str]  # (location, name) -> "integer" | "boolean"


_rules_by_route: dict[int, ParameterRules] = {}


def _scalar_kind(annotation: object) -> str | None:
    """`integer` or `boolean` for a parameter of that type (optional or not), else None."""
    types = [kind for kind in (get_args(annotation) or (annotation,)) if kind is not type(None)]
    if types and all(kind is bool for kind in types):
        return "boolean"
    if types and all(kind is int for kind in types):
        return "integer"
    return None


def _collect_rules(dependant: Dependant, names: set[str], kinds: dict[tuple[str, str], str]) -> None:
    names.update(param.alias for param in dependant.query_params)
    for location, params in (("query", dependant.query_params), ("path", dependant.path_params)):
        for param in params:
            kind = _scalar_kind(param.field_info.annotation)
            if kind is not None:
                kinds[(location, param.alias)] = kind
    for sub_dependant in dependant.dependencies:
        _collect_rules(sub_dependant, names, kinds)


def _rules_of(route: APIRoute) -> ParameterRules:
    rules = _rules_by_route.get(id(route))
    if rules is None:
        names: set[str] = set()
        kinds: dict[tuple[str, str], str] = {}
        _collect_rules(route.dependant, names, kinds)
        rules = _rules_by_route[id(route)] = ParameterRules(frozenset(names), kinds)
    return rules


def _check_scalar_text(request: Request, rules: ParameterRules) -> None:
    """Integers and booleans of the query and the path written as the document says."""
    errors = []
    for (location, name), kind in rules.scalar_kinds.items():
        values = (
            request.query_params.getlist(name) if location == "query" else [request.path_params.get(name)]
        )
        pattern, expected = SCALAR_TEXT[kind]
        for value in values:
            if isinstance(value, str) and not pattern.fullmatch(value):
                errors.append(
                    {"loc": [location, name], "msg": f"Expected {expected}.", "code": f"{kind}_text"}
                )
    if errors:
        fields = ", ".join(".".join(error["loc"]) for error in errors)
        raise ProblemException(
            422, f"The request is not valid: {fields}.", slug="validation-error", errors=errors
        )


async def check_request_parameters(request: Request) -> None:
    """A misspelt filter must not silently return everything: unknown parameters are a 400.
    Parameters holding a NUL character (which no database column can store) are a 400 too."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    rules = _rules_of(route)
    allowed = rules.query_names
    for location, values in (("query", request.query_params), ("path", request.path_params)):
        for name, value in values.items():
            if isinstance(value, str) and "\x00" in value:
                raise ProblemException(
                    400,
                    f"The {location} parameter {name} contains a NUL character.",
                    slug="bad-request",
                    errors=[{"loc": [location, name], "msg": "NUL character.", "code": "nul_character"}],
                )
    _check_scalar_text(request, rules)
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
