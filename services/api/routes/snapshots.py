from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from services.api.deps import (
    BigIntegerCursorQuery,
    CursorQuery,
    IntegerCursorQuery,
    LimitQuery,
    PublicReaderDep,
    SessionDep,
    WrittenAsInteger,
)
from services.api.openapi import problems
from services.api.pages import page_response
from services.api.snapshot_answers import cache_control
from services.core.errors import Invalid
from services.core.methodology.schemas import VersionNumber
from services.core.observations.csv_format import write_csv
from services.core.pagination import DEFAULT_LIMIT, Page
from services.core.snapshots import service
from services.core.snapshots.schemas import (
    ExplanationRead,
    ScoreComparison,
    ScoreRead,
    SnapshotRead,
    SubjectType,
)
from services.core.vocabularies import Axis

router = APIRouter(prefix="/v1/snapshots", tags=["snapshots"])

# A UUID (hyphens optional) or `latest`: every string of this form is answered, 200 or 404.
SNAPSHOT_REFERENCE_PATTERN = "^(?:latest|" + "-?".join(f"[0-9A-Fa-f]{{{n}}}" for n in (8, 4, 4, 4, 12)) + ")$"
SnapshotRef = Annotated[
    str,
    Path(
        max_length=36,
        pattern=SNAPSHOT_REFERENCE_PATTERN,
        description="A snapshot id, or `latest` for the newest published snapshot.",
    ),
]


@router.get("", summary="Published snapshots, oldest first", response_model=Page[SnapshotRead])
async def list_snapshots(
    session: SessionDep,
    _: PublicReaderDep,
    methodology_version: Annotated[VersionNumber | None, Query(), WrittenAsInteger] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
):
    items, next_cursor = await service.list_snapshots(
        session, methodology_version=methodology_version, cursor=cursor, limit=limit
    )
    return Page[SnapshotRead](items=[SnapshotRead.model_validate(s) for s in items], next_cursor=next_cursor)


@router.get(
    "/{snapshot_id}",
    summary="A snapshot (`latest` for the newest)",
    response_model=SnapshotRead,
    responses=problems(404),
)
async def get_snapshot(snapshot_id: SnapshotRef, session: SessionDep, _: PublicReaderDep):
    return SnapshotRead.model_validate(await service.get_snapshot(session, snapshot_id))


@router.get(
    "/{snapshot_id}/scores",
    summary="A snapshot's score rows, filtered and paginated",
    response_model=Page[ScoreRead],
    responses=problems(404),
)
async def list_snapshot_scores(
    snapshot_id: SnapshotRef,
    session: SessionDep,
    _: PublicReaderDep,
    subject_type: SubjectType | None = None,
    subject_id: Annotated[str | None, Query(max_length=64)] = None,
    axis: Axis | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: BigIntegerCursorQuery = None,
):
    items, next_cursor = await service.list_score_rows(
        session,
        await service.get_snapshot_id(session, snapshot_id),
        subject_type=subject_type,
        subject_id=subject_id,
        axis=axis,
        cursor=cursor,
        limit=limit,
    )
    return page_response(items, next_cursor)


async def _json_lines(rows):
    yield b"["
    first = True
    async for row in rows:
        yield (b"" if first else b",") + orjson.dumps(row)
        first = False
    yield b"]"


async def _json_items(items):
    yield b"["
    first = True
    async for item in items:
        yield (b"" if first else b",") + item
        first = False
    yield b"]"


async def _csv_chunks(rows):
    buffered = []
    header = True  # once, before the first batch
    async for row in rows:
        row = dict(row, flags=" ".join(row["flags"]))
        buffered.append(row)
        if len(buffered) >= service.EXPORT_BATCH:
            for chunk in write_csv(service.SCORE_FIELDS, buffered, header=header):
                yield chunk.encode()
            buffered, header = [], False
    for chunk in write_csv(service.SCORE_FIELDS, buffered, header=header):
        yield chunk.encode()


@router.get(
    "/{snapshot_id}/export",
    summary="Every score row of a snapshot, streamed (JSON or CSV)",
    description="With `include=explanations` (JSON only), each row carries its axis's explanation "
    "under `explanation` (the subject's axis object of GET …/explanations/…).",
    responses={
        **problems(404),
        200: {
            "description": "All score rows.",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": {
                            "allOf": [{"$ref": "#/components/schemas/ScoreRead"}],
                            "properties": {
                                "explanation": {
                                    "anyOf": [
                                        {"$ref": "#/components/schemas/AllianceAxisExplanation"},
                                        {"$ref": "#/components/schemas/GroupAxisExplanation"},
                                        {"type": "null"},
                                    ]
                                }
                            },
                        },
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
            },
        },
    },
)
async def export_snapshot(
    snapshot_id: SnapshotRef,
    session: SessionDep,
    _: PublicReaderDep,
    request: Request,
    format: Literal["json", "csv"] = "json",
    include: Annotated[
        Literal["explanations"] | None,
        Query(description="`explanations`: each JSON row with its axis's explanation."),
    ] = None,
):
    if include is not None and format == "csv":
        raise Invalid.field(["query", "include"], "Explanations are exported in JSON only.", "json_only")
    snapshot = await service.get_snapshot(session, snapshot_id)
    factory = request.app.state.session_factory
    rows = service.stream_scores(factory, snapshot.id)
    filename = f"snapshot-{snapshot.id}.{format}"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "ETag": f'"{snapshot.content_hash}"',
        "Cache-Control": cache_control(
            request.app.state.settings.public_read, through_latest=snapshot_id == service.LATEST
        ).decode(),
    }
    if format == "csv":
        return StreamingResponse(_csv_chunks(rows), media_type="text/csv; charset=utf-8", headers=headers)
    if include is not None:
        items = service.stream_scores_with_explanations(factory, snapshot.id)
        return StreamingResponse(_json_items(items), media_type="application/json", headers=headers)
    return StreamingResponse(_json_lines(rows), media_type="application/json", headers=headers)


@router.get(
    "/{snapshot_id}/explanations/{subject_type}/{subject_id}",
    summary="How a subject's scores were obtained (indicators and values, or the alliances of a group)",
    description="For an alliance, per axis: every expected indicator with its rule, the value read "
    "or why there is none, its score and its contribution (contributions add up to the axis "
    "score), coverage and flags, and the same at T − trend lag. For a group: its alliances, "
    "counted with their score or not with a reason. `subject_id` as in the score rows; `all` for "
    "the whole observatory. Computed with the snapshot, never changed.",
    response_model=ExplanationRead,
    responses=problems(404),
)
async def get_explanation(
    snapshot_id: SnapshotRef,
    subject_type: Annotated[SubjectType, Path(description="As in the score rows.")],
    subject_id: Annotated[
        str, Path(max_length=64, description="As in the score rows; `all` for the whole observatory.")
    ],
    session: SessionDep,
    _: PublicReaderDep,
    axis: Axis | None = None,
):
    body, content_hash = await service.get_explanation(session, snapshot_id, subject_type, subject_id, axis)
    return Response(body, media_type="application/json", headers={"ETag": f'"{content_hash}"'})


@router.get(
    "/{snapshot_id}/compare/{other_id}",
    summary="Compare two snapshots: both scores and the difference, per subject and axis",
    response_model=Page[ScoreComparison],
    responses=problems(404),
)
async def compare_snapshots(
    snapshot_id: SnapshotRef,
    other_id: Annotated[
        str,
        Path(
            max_length=36, pattern=SNAPSHOT_REFERENCE_PATTERN, description="The other snapshot, or `latest`."
        ),
    ],
    session: SessionDep,
    _: PublicReaderDep,
    subject_type: SubjectType | None = None,
    axis: Axis | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: IntegerCursorQuery = None,
):
    snapshot = await service.get_snapshot(session, snapshot_id)
    other = await service.get_snapshot(session, other_id)
    items, next_cursor = await service.compare(
        session, snapshot, other, subject_type=subject_type, axis=axis, cursor=cursor, limit=limit
    )
    return Page[ScoreComparison](items=[ScoreComparison(**item) for item in items], next_cursor=next_cursor)
