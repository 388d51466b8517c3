"""The application factory."""

import gc
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from services.api import metrics
from services.api.conditional import ConditionalGetMiddleware
from services.api.dashboard import DashboardMiddleware
from services.api.deps import check_request_parameters
from services.api.idempotency import IdempotencyMiddleware
from services.api.kept_answers import AnswerCache
from services.api.list_answers import ListAnswersMiddleware
from services.api.openapi import build_openapi, operation_id
from services.api.problems import UnexpectedErrorMiddleware, install_problem_handlers
from services.api.rate_limit import RateLimiter, RateLimitMiddleware
from services.api.request_context import RequestContextMiddleware
from services.api.routes import (
    access,
    alliances,
    api_keys,
    catalysts,
    health,
    indicators,
    jobs,
    map,
    members,
    methodologies,
    observations,
    organisations,
    previews,
    snapshots,
    territories,
    vocabularies,
    webhooks,
)
from services.api.security_headers import SecurityHeadersMiddleware
from services.api.snapshot_answers import LatestPointer, SnapshotAnswersMiddleware
from services.core import invalidations
from services.core.auth.key_cache import ApiKeyCache
from services.core.config import Settings, get_settings
from services.core.db import create_engine, create_session_factory
from services.core.logs import configure_logging
from services.core.registry_tag import RegistryTagReader
from services.worker.runtime import create_job_runtime

DESCRIPTION = """\
The observatory of territorial alliances: a registry of territorial catalysts, territories,
organisations and the alliances they convene, their indicators and time series, and the
published snapshots that score every alliance on three impact axes (performance, innovation,
trust).

Authenticate with an API key: `Authorization: Bearer obs_...`. Errors are RFC 9457
`application/problem+json`. Lists are paginated with `limit` and an opaque `cursor`.
"""

TAGS = [
    {"name": "health", "description": "Liveness and readiness probes (no key needed)."},
    {"name": "access", "description": "What the caller may do, with or without a key."},
    {"name": "vocabularies", "description": "Code lists with French and English labels."},
    {"name": "territories", "description": "Countries, regions, departments and local territories."},
    {"name": "catalysts", "description": "Territorial catalysts (catalyseurs territoriaux)."},
    {"name": "map", "description": "GeoJSON for the interactive map of the catalysts."},
    {"name": "organisations", "description": "Actors that take part in alliances."},
    {"name": "alliances", "description": "Multi-actor alliances convened by catalysts."},
    {"name": "alliance members", "description": "Who takes part in an alliance, over time."},
    {"name": "indicators", "description": "What alliances measure, and how, with every revision."},
    {"name": "observations", "description": "Indicator values over time; corrections keep history."},
    {"name": "methodologies", "description": "Versions of the scoring method's configuration."},
    {"name": "aggregation jobs", "description": "Scoring runs that publish snapshots."},
    {"name": "snapshots", "description": "Published, immutable scores on the three impact axes."},
    {
        "name": "previews",
        "description": "A snapshot's inputs rescored with a draft method; kept 7 days, never published.",
    },
    {"name": "webhooks", "description": "Signed event notifications to subscribers (staff)."},
    {"name": "api keys", "description": "Keys of third-party platforms (staff)."},
]

ROUTERS = [
    health.router,
    access.router,
    vocabularies.router,
    territories.router,
    catalysts.router,
    map.router,
    organisations.router,
    alliances.router,
    members.router,
    indicators.router,
    observations.router,
    methodologies.router,
    jobs.router,
    snapshots.router,
    previews.router,
    webhooks.router,
    api_keys.router,
    metrics.router,
]
# Headers a browser client may send, and read, across origins (when CORS is configured).
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "X-Request-ID",
]
CORS_EXPOSED_HEADERS = [
    "ETag",
    "Location",
    "Retry-After",
    "X-Request-ID",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
]


# A batch of 10,000 observations allocates hundreds of thousands of short-lived, acyclic
# objects: with the default threshold (700) the cyclic collector runs hundreds of times per
# request and costs a fifth of the ingestion time. Objects alive at start-up are frozen out
# of its scans, and the youngest generation is collected less often.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_garbage_collector() -> None:
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def add_middlewares(app: FastAPI, settings: Settings, rate_limiter: RateLimiter) -> None:
    # Each one added wraps the ones before it: listed from the innermost to the outermost.
    app.add_middleware(IdempotencyMiddleware)
    keeping = settings.read_cache_megabytes > 0
    if keeping:
        app.add_middleware(
            ListAnswersMiddleware,
            cache=app.state.kept_answers,
            public=settings.public_read,
            key_cache=app.state.api_key_cache,
            tags=RegistryTagReader(app.state.engine),
        )
    # Installed even with nothing kept: it gives every answer about a snapshot its Cache-Control.
    app.add_middleware(
        SnapshotAnswersMiddleware,
        cache=app.state.kept_answers if keeping else None,
        latest=app.state.latest_snapshot,
        public=settings.public_read,
        key_cache=app.state.api_key_cache,
        session_factory=app.state.session_factory,
        listening=lambda: (
            app.state.invalidation_listener is not None and app.state.invalidation_listener.connected
        ),
    )
    app.add_middleware(ConditionalGetMiddleware)
    app.add_middleware(UnexpectedErrorMiddleware)
    if settings.rate_limit_requests > 0:
        app.add_middleware(RateLimitMiddleware, limiter=rate_limiter)
    # Closed by default: with no configured origin, browsers on other sites get no CORS headers.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=600,
        )
    # Outside the rate limiter (a page's assets do not use up the address's allowance), inside
    # the request context (each file served is logged with its request id).
    app.add_middleware(DashboardMiddleware, dist=settings.web_dist)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = create_engine(settings)

    session_factory = create_session_factory(engine)
    job_runtime = create_job_runtime(settings, session_factory)
    rate_limiter = RateLimiter(
        settings.rate_limit_requests,
        settings.rate_limit_window_seconds,
        settings.redis_url,
        failed_limit=settings.rate_limit_failed_authentications,
    )

    api_key_cache = ApiKeyCache(settings.api_key_cache_seconds)
    latest_snapshot = LatestPointer()
    invalidations.listen_locally(api_key_cache.invalidate)
    invalidations.listen_locally(latest_snapshot.invalidate)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Here rather than in the CLI: each worker process of `serve --workers N` starts here.
        configure_logging(settings.log_level, settings.log_format)
        tune_garbage_collector()
        if settings.redis_url:
            app.state.invalidation_listener = invalidations.InvalidationListener(settings.redis_url)
            app.state.invalidation_listener.start()
        job_runtime.start()
        try:
            yield
        finally:
            await job_runtime.stop()
            if app.state.invalidation_listener is not None:
                await app.state.invalidation_listener.stop()
            await rate_limiter.close()
            await engine.dispose()

    app = FastAPIOffline(
        title="Observatoire",
        version="1.0.0",
        summary="Observatory of territorial alliances: registry, indicators, scores, snapshots.",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        dependencies=[Depends(check_request_parameters)],
        license_info={"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.jobs = job_runtime
    app.state.rate_limiter = rate_limiter
    app.state.api_key_cache = api_key_cache
    app.state.latest_snapshot = latest_snapshot
    # Snapshot and list answers share one bound.
    app.state.kept_answers = AnswerCache(settings.read_cache_megabytes * 1024 * 1024)
    app.state.invalidation_listener = None
    install_problem_handlers(app)
    add_middlewares(app, settings, rate_limiter)
    for router in ROUTERS:
        app.include_router(router)
    app.openapi = lambda: build_openapi(app)
    return app
