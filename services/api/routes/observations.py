import uuid
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.convertors import Convertor, register_url_convertor

from services.api.bodies import LimitedBodyRoute, read_json, read_text
from services.api.deps import (
    IntegerCursorQuery,
    LimitQuery,
    ReaderDep,
    SeriesCursorQuery,
    SessionDep,
    WriterDep,
    WrittenAsBoolean,
)
from services.api.openapi import problems
from services.api.problems import ProblemException
from services.core.errors import Invalid
from services.core.indicators.service import get_indicator
from services.core.observations import series
from services.core.observations import service as observation_values
from services.core.observations.batch import BatchTooLarge, parse_batch
from services.core.observations.csv_format import parse_import, write_csv
from services.core.observations.ingest import ItemErrors, ingest
from services.core.observations.models import OBSERVATION_FIELDS
from services.core.observations.periods import PeriodError
from services.core.observations.schemas import BatchResult, ObservationCreate, ObservationRead
from services.core.pagination import DEFAULT_LIMIT, Page
from services.core.schemas_base import IsoDate, IsoDateTime

router = APIRouter(tags=["observations"], route_class=LimitedBodyRoute)


class ObservationIdConvertor(Convertor[str]):
    """A path segment other than `batch` and `import`. As in OpenAPI, a concrete path wins
    over a templated one: `GET /v1/observations/batch` is a 405 of `/v1/observations/batch`,
    not a request for an observation with a malformed id. Ids are still validated as UUIDs
    by the routes, so that a malformed one is a 422 naming it."""

    regex = "(?!(?:batch|import)(?:/|$))[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


register_url_convertor("observation_id", ObservationIdConvertor())

DryRunQuery = Annotated[bool, Query(description="Validate everything, write nothing."), WrittenAsBoolean]

BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "maxItems": 10_000,
                    "items": {"$ref": "#/components/schemas/BatchObservation"},
                }
            }
        },
    }
}
IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {
                    "type": "string",
                    # A format of its own: what spreadsheets save is more than a pattern can say.
                    "format": "observations-csv",
                    "description": "Format `observations-csv`: header "
                    "`indicator_id,period,value,status,source,comment` (status, source and comment "
                    "optional, in any order), then one value per line; `,` or `;` separated; UTF-8 (a BOM "
                    "is accepted); decimal comma accepted with `;`; at most 10,000 values.",
                }
            }
        },
    }
}


def _wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    return "text/csv" in request.headers.get("accept", "")


@router.get(
    "/v1/indicators/{indicator_id}/observations",
    summary="An indicator's values over time (JSON or CSV)",
    response_model=Page[ObservationRead],
    responses={
        **problems(404),
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The series."},
    },
)
async def list_observations(
    indicator_id: uuid.UUID,
    session: SessionDep,
    _: ReaderDep,
    request: Request,
    from_: Annotated[IsoDate | None, Query(alias="from", description="Periods ending on or after.")] = None,
    to: Annotated[IsoDate | None, Query(description="Periods ending on or before.")] = None,
    as_of: Annotated[
        IsoDateTime | None, Query(description="The values as they were known at this instant.")
    ] = None,
    granularity: Annotated[
        Literal["month", "quarter", "year"] | None, Query(description="The last value of each bucket.")
    ] = None,
    format: Annotated[
        Literal["json", "csv"] | None, Query(description="Or `Accept: text/csv`; CSV holds every row.")
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: SeriesCursorQuery = None,
):
    indicator = await get_indicator(session, indicator_id)
    if as_of is not None and as_of.tzinfo is None:
        raise Invalid.field(["query", "as_of"], "Give a timezone, e.g. 2024-05-01T00:00:00Z.", "timezone")
    rows = await series.read_series(
        session, indicator, start=from_, end=to, as_of=as_of, granularity=granularity
    )
    if _wants_csv(request, format):
        return StreamingResponse(
            write_csv(OBSERVATION_FIELDS, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="indicator-{indicator.id}.csv"'},
        )
    page, next_cursor = series.page_of_series(rows, cursor, limit)
    return Page[ObservationRead](items=[ObservationRead(**row) for row in page], next_cursor=next_cursor)


@router.post(
    "/v1/indicators/{indicator_id}/observations",
    status_code=201,
    summary="Record a value (a correction when the period already has one)",
    response_model=ObservationRead,
    responses={**problems(404), 200: {"description": "A correction, or the same value again."}},
)
async def record_observation(
    indicator_id: uuid.UUID,
    payload: ObservationCreate,
    session: SessionDep,
    principal: WriterDep,
    response: Response,
):
    indicator = await get_indicator(session, indicator_id)
    try:
        value = observation_values.from_json(0, indicator.id, payload)
    except PeriodError as exc:
        raise Invalid.field(["body", "period"], str(exc), "period") from exc
    result = await ingest(session, principal, [value], ItemErrors("single"))
    observation = ObservationRead(**result.observations[0])
    if not result.created:
        response.status_code = 200
    response.headers["Location"] = f"/v1/observations/{observation.id}"
    return observation


@router.post(
    "/v1/observations/batch",
    summary="Record up to 10,000 values at once, all or nothing",
    response_model=BatchResult,
    responses=problems(403, 413, 415),
    openapi_extra=BATCH_BODY,
)
async def record_observation_batch(
    request: Request, session: SessionDep, principal: WriterDep, dry_run: DryRunQuery = False
):
    data = await read_json(request)
    values, errors = parse_batch(data)
    return await _ingest_all(session, principal, values, errors, dry_run)


@router.post(
    "/v1/observations/import",
    summary="Import values from a CSV file, all or nothing",
    response_model=BatchResult,
    responses=problems(403, 413, 415),
    openapi_extra=IMPORT_BODY,
)
async def import_observations(
    request: Request, session: SessionDep, principal: WriterDep, dry_run: DryRunQuery = False
):
    text = await read_text(request, "text/csv", "application/csv", "text/plain")
    try:
        values, errors = parse_import(text)
    except BatchTooLarge as exc:
        raise ProblemException(413, str(exc), slug="batch-too-large") from exc
    return await _ingest_all(session, principal, values, errors, dry_run)


async def _ingest_all(session, principal, values, errors, dry_run: bool) -> Response:
    result = await ingest(session, principal, values, errors, dry_run=dry_run)
    # Serialised directly: ten thousand items would otherwise cost more to validate back into
    # models than to store. The rows come from the database schema, so they match BatchResult.
    body = {
        "dry_run": dry_run,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "items": result.observations,
    }
    return Response(orjson.dumps(body, default=str, option=orjson.OPT_UTC_Z), media_type="application/json")


@router.get(
    "/v1/observations/{observation_id:observation_id}",
    summary="The current value of one observation",
    response_model=ObservationRead,
    responses=problems(404),
)
async def get_observation(observation_id: uuid.UUID, session: SessionDep, _: ReaderDep):
    return ObservationRead.model_validate(await series.get_observation(session, observation_id))


@router.get(
    "/v1/observations/{observation_id:observation_id}/history",
    summary="Every revision of one value, oldest first, with who and when",
    response_model=Page[ObservationRead],
    responses=problems(404),
)
async def list_observation_history(
    observation_id: uuid.UUID,
    session: SessionDep,
    _: ReaderDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: IntegerCursorQuery = None,
):
    observation = await series.get_observation(session, observation_id)
    items, next_cursor = await series.list_history(session, observation, cursor=cursor, limit=limit)
    return Page[ObservationRead](
        items=[ObservationRead(**series.revision_as_observation(revision)) for revision in items],
        next_cursor=next_cursor,
    )
