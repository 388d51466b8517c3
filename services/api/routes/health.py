from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from services.api.openapi import problems
from services.api.problems import ProblemException

router = APIRouter(prefix="/v1", tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    database: Literal["ok"]
    redis: Literal["ok", "not_configured"]


@router.get("/health", summary="Liveness: the process answers", response_model=Health)
async def health():
    return Health(status="ok")


@router.get(
    "/ready",
    summary="Readiness: the database (and Redis when configured) answer",
    response_model=Readiness,
    responses=problems(503),
)
async def ready(request: Request):
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        raise ProblemException(503, "The database is not answering.", slug="not-ready") from exc
    redis_status = "not_configured"
    if request.app.state.settings.redis_url:
        try:
            await request.app.state.jobs.ping()
        except Exception as exc:
            raise ProblemException(503, "Redis is not answering.", slug="not-ready") from exc
        redis_status = "ok"
    return JSONResponse(Readiness(status="ready", database="ok", redis=redis_status).model_dump())
