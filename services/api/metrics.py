"""Prometheus metrics: HTTP traffic measured in the process, background work read from the database.

With `observatoire serve --workers N`, each worker process writes its samples to files in
`PROMETHEUS_MULTIPROC_DIR` and any of them can answer a scrape with the sum of all.
"""

import os
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from services.api.problems import ProblemException
from services.core.db import session_scope
from services.core.monitoring import BackgroundWorkFigures, background_work_figures

# `*_created` series double the output and no dashboard reads them.
disable_created_metrics()

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
JOB_DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
# Paths that matched no route are counted together: labelling them by raw path would let any
# client create an unbounded number of series.
UNMATCHED_ROUTE = "<unmatched>"

http_requests = Counter(
    "observatoire_http_requests",
    "HTTP requests answered, by route template, method and status code.",
    ["method", "route", "status"],
)
http_request_duration = Histogram(
    "observatoire_http_request_duration_seconds",
    "Time to answer HTTP requests, by route template and method.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)


# The labelled series of each (method, route, status) seen, so that a request does not pay for
# prometheus_client's lookup of its children (a lock, the labels validated and formatted) every
# time. Routes are templates and unmatched paths share one label, so this stays small.
_series: dict[tuple[str, str, int], tuple] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    series = _series.get((method, route, status))
    if series is None:
        series = (
            http_requests.labels(method, route, str(status)),
            http_request_duration.labels(method, route),
        )
        _series[(method, route, status)] = series
    requests, duration = series
    requests.inc()
    duration.observe(seconds)


def _process_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()


class _BackgroundWorkCollector:
    def __init__(self, figures: BackgroundWorkFigures | None) -> None:
        self.figures = figures

    def collect(self):
        up = GaugeMetricFamily("observatoire_database_up", "1 when the database answered this scrape.")
        up.add_metric([], 1.0 if self.figures is not None else 0.0)
        yield up
        figures = self.figures
        if figures is None:
            return
        jobs = GaugeMetricFamily(
            "observatoire_aggregation_jobs", "Aggregation jobs by status.", labels=["status"]
        )
        for status, count in sorted(figures.jobs_by_status.items()):
            jobs.add_metric([status], count)
        yield jobs
        durations = HistogramMetricFamily(
            "observatoire_aggregation_job_duration_seconds",
            "Duration of finished aggregation jobs, by outcome.",
            labels=["outcome"],
        )
        for outcome, seconds in sorted(figures.job_durations.items()):
            buckets = [
                (str(bound), sum(1 for value in seconds if value <= bound)) for bound in JOB_DURATION_BUCKETS
            ]
            buckets.append(("+Inf", len(seconds)))
            durations.add_metric([outcome], buckets, sum_value=sum(seconds))
        yield durations
        backlog = GaugeMetricFamily(
            "observatoire_outbox_backlog", "Outbox messages (jobs, deliveries) not yet handed to the queue."
        )
        backlog.add_metric([], figures.outbox_backlog)
        yield backlog
        oldest = GaugeMetricFamily(
            "observatoire_outbox_oldest_age_seconds", "Age of the oldest message waiting in the outbox."
        )
        oldest.add_metric([], figures.outbox_oldest_age_seconds)
        yield oldest
        deliveries = GaugeMetricFamily(
            "observatoire_webhook_deliveries", "Webhook deliveries by status.", labels=["status"]
        )
        for status, count in sorted(figures.webhook_deliveries_by_status.items()):
            deliveries.add_metric([status], count)
        yield deliveries
        attempts = CounterMetricFamily("observatoire_webhook_attempts", "Webhook delivery attempts.")
        attempts.add_metric([], figures.webhook_attempts)
        yield attempts
        failures = CounterMetricFamily(
            "observatoire_webhook_failures",
            "Webhook delivery attempts that failed (no answer, or a status other than 2xx).",
        )
        failures.add_metric([], figures.webhook_failed_attempts)
        yield failures


async def _background_work_metrics(request: Request) -> bytes:
    try:
        async with session_scope(request.app.state.session_factory) as session:
            figures = await background_work_figures(session)
    except Exception:
        figures = None
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_BackgroundWorkCollector(figures))
    return generate_latest(registry)


def _check_token(request: Request) -> None:
    token = request.app.state.settings.metrics_token
    if not token:
        return
    presented = request.headers.get("authorization", "")
    if not secrets.compare_digest(presented.encode(), f"Bearer {token}".encode()):
        raise ProblemException(
            401,
            "A valid metrics token is required.",
            slug="unauthorized",
            headers={"WWW-Authenticate": "Bearer"},
        )


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    _check_token(request)
    body = _process_metrics() + await _background_work_metrics(request)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
