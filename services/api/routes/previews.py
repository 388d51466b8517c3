import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response

from services.api.bodies import LimitedBodyRoute
from services.api.deps import BigIntegerCursorQuery, IntegerCursorQuery, LimitQuery, SessionDep, StaffDep
from services.api.openapi import problems
from services.api.pages import page_response
from services.api.routes.snapshots import SnapshotRef
from services.core.pagination import DEFAULT_LIMIT, Page
from services.core.previews import service
from services.core.previews.schemas import PreviewComparison, PreviewCreate, PreviewRead
from services.core.snapshots.schemas import ScoreRead, SubjectType
from services.core.vocabularies import Axis

router = APIRouter(tags=["previews"], route_class=LimitedBodyRoute)


@router.post(
    "/v1/snapshots/{snapshot_id}/previews",
    status_code=202,
    summary="Rescore a snapshot's inputs with a draft configuration of the method (staff)",
    description="Same T, same K, same alliances as the snapshot: only the method differs. "
    "The preview is computed by a job (follow its `status` and `progress`), kept 7 days, and "
    "never published: no snapshot, no webhook.",
    response_model=PreviewRead,
    responses={
        **problems(404),
        200: {
            "description": "A preview of this snapshot with this configuration is already queued or running."
        },
    },
)
async def create_preview(
    snapshot_id: SnapshotRef,
    payload: PreviewCreate,
    session: SessionDep,
    principal: StaffDep,
    background: BackgroundTasks,
    request: Request,
    response: Response,
):
    preview, created = await service.request_preview(session, snapshot_id, payload.config, principal.key_id)
    if created:
        # After the commit: the relay then finds the outbox row at once.
        background.add_task(request.app.state.jobs.kick)
    else:
        response.status_code = 200
    response.headers["Location"] = f"/v1/previews/{preview.id}"
    return PreviewRead.model_validate(preview)


@router.get(
    "/v1/previews/{preview_id}",
    summary="A preview: status, progress, configuration, counts (staff)",
    response_model=PreviewRead,
    responses=problems(404),
)
async def get_preview(preview_id: uuid.UUID, session: SessionDep, _: StaffDep):
    return PreviewRead.model_validate(await service.get_preview(session, preview_id))


@router.get(
    "/v1/previews/{preview_id}/scores",
    summary="A preview's score rows, filtered and paginated as a snapshot's (staff)",
    response_model=Page[ScoreRead],
    responses=problems(404, 409),
)
async def list_preview_scores(
    preview_id: uuid.UUID,
    session: SessionDep,
    _: StaffDep,
    subject_type: SubjectType | None = None,
    subject_id: Annotated[str | None, Query(max_length=64)] = None,
    axis: Axis | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: BigIntegerCursorQuery = None,
):
    items, next_cursor = await service.list_score_rows(
        session,
        await service.get_preview(session, preview_id),
        subject_type=subject_type,
        subject_id=subject_id,
        axis=axis,
        cursor=cursor,
        limit=limit,
    )
    return page_response(items, next_cursor)


@router.get(
    "/v1/previews/{preview_id}/compare",
    summary="What the draft configuration moves: preview against its snapshot, largest first (staff)",
    response_model=Page[PreviewComparison],
    responses=problems(404, 409),
)
async def compare_preview(
    preview_id: uuid.UUID,
    session: SessionDep,
    _: StaffDep,
    subject_type: SubjectType | None = None,
    axis: Axis | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: IntegerCursorQuery = None,
):
    items, next_cursor = await service.compare(
        session,
        await service.get_preview(session, preview_id),
        subject_type=subject_type,
        axis=axis,
        cursor=cursor,
        limit=limit,
    )
    return Page[PreviewComparison](
        items=[PreviewComparison(**item) for item in items], next_cursor=next_cursor
    )


@router.post(
    "/v1/previews/{preview_id}/cancel",
    summary="Cancel a preview (a running one stops at its next checkpoint) (staff)",
    response_model=PreviewRead,
    responses=problems(404, 409),
)
async def cancel_preview(preview_id: uuid.UUID, session: SessionDep, _: StaffDep):
    preview = await service.get_preview(session, preview_id)
    return PreviewRead.model_validate(await service.cancel_preview(session, preview))
