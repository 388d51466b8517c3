import uuid

from fastapi import APIRouter, BackgroundTasks, Request, Response

from services.api.bodies import LimitedBodyRoute
from services.api.deps import CursorQuery, LimitQuery, ReaderDep, SessionDep, StaffDep
from services.api.openapi import problems
from services.core.jobs import service
from services.core.jobs.schemas import AggregationJobCreate, AggregationJobRead
from services.core.pagination import DEFAULT_LIMIT, Page
from services.core.vocabularies import JobStatus

router = APIRouter(prefix="/v1/aggregation-jobs", tags=["aggregation jobs"], route_class=LimitedBodyRoute)


@router.post(
    "",
    status_code=202,
    summary="Request an aggregation: score everything and publish a snapshot (staff)",
    response_model=AggregationJobRead,
    responses={200: {"description": "A job with the same parameters is already queued or running."}},
)
async def create_aggregation_job(
    payload: AggregationJobCreate,
    session: SessionDep,
    principal: StaffDep,
    background: BackgroundTasks,
    request: Request,
    response: Response,
):
    job, created = await service.request_job(
        session,
        as_of=payload.as_of,
        methodology_version=payload.methodology_version,
        requested_by=principal.key_id,
    )
    if created:
        # Background tasks run after the commit: the relay then finds the outbox row at once.
        background.add_task(request.app.state.jobs.kick)
    else:
        response.status_code = 200
    response.headers["Location"] = f"/v1/aggregation-jobs/{job.id}"
    return AggregationJobRead.model_validate(job)


@router.get("", summary="Every aggregation job, oldest first", response_model=Page[AggregationJobRead])
async def list_aggregation_jobs(
    session: SessionDep,
    _: ReaderDep,
    status: JobStatus | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
):
    items, next_cursor = await service.list_jobs(session, status=status, cursor=cursor, limit=limit)
    return Page[AggregationJobRead](
        items=[AggregationJobRead.model_validate(j) for j in items], next_cursor=next_cursor
    )


@router.get(
    "/{job_id}",
    summary="An aggregation job: status, progress, stage, error, snapshot",
    response_model=AggregationJobRead,
    responses=problems(404),
)
async def get_aggregation_job(job_id: uuid.UUID, session: SessionDep, _: ReaderDep):
    return AggregationJobRead.model_validate(await service.get_job(session, job_id))


@router.post(
    "/{job_id}/cancel",
    summary="Cancel a job (a running job stops at its next checkpoint) (staff)",
    response_model=AggregationJobRead,
    responses=problems(404, 409),
)
async def cancel_aggregation_job(job_id: uuid.UUID, session: SessionDep, _: StaffDep):
    job = await service.get_job(session, job_id)
    return AggregationJobRead.model_validate(await service.cancel_job(session, job))
