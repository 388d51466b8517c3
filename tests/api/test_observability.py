"""Request ids, JSON logs and Prometheus metrics."""

import re
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert

from services.api.main import create_app
from services.core.clock import utcnow
from services.core.config import Settings
from services.core.db import session_scope
from services.core.jobs.models import AggregationJob
from services.core.outbox.models import OutboxMessage
from services.core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.api.factories import create_catalyst
from tests.log_capture import captured_json_logs


@pytest.fixture
def log_lines():
    """The JSON lines logged during the test."""
    with captured_json_logs() as logs:
        yield logs.lines


async def test_a_request_id_is_made_up_when_the_caller_sends_none(client, reader):
    first = await client.get("/v1/territories", headers=reader)
    second = await client.get("/v1/territories", headers=reader)
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_the_callers_request_id_is_echoed(client, reader):
    answer = await client.get("/v1/territories", headers={**reader, "X-Request-ID": "platform-42.retry:1"})
    assert answer.headers["x-request-id"] == "platform-42.retry:1"


@pytest.mark.parametrize("unusable", [b"with space", b"x" * 129, b"tab\tin", "é".encode(), b"<script>"])
async def test_an_unusable_request_id_is_replaced(client, reader, unusable):
    answer = await client.get("/v1/territories", headers={**reader, "X-Request-ID": unusable})
    assert answer.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])


async def test_every_request_is_one_json_log_line_with_its_id_and_key(client, reader, log_lines):
    answer = await client.get("/v1/territories?limit=2", headers={**reader, "X-Request-ID": "trace-1"})
    refused = await client.get("/v1/territories", headers={"X-Request-ID": "trace-2"})

    access = {line["request_id"]: line for line in log_lines() if line.get("logger") == "observatoire.access"}
    line = access["trace-1"]
    assert answer.status_code == 200
    assert line["event"] == "request"
    assert line["level"] == "info"
    assert (line["method"], line["path"], line["route"], line["status"]) == (
        "GET",
        "/v1/territories",
        "/v1/territories",
        200,
    )
    assert line["duration_ms"] >= 0
    assert uuid.UUID(line["api_key_id"])
    assert line["timestamp"].endswith("Z")
    assert refused.status_code == 401
    assert access["trace-2"]["status"] == 401
    assert access["trace-2"]["api_key_id"] is None


async def test_log_lines_written_while_serving_a_request_carry_its_id(database_url, reader, log_lines):
    # A database that cannot answer: the API logs a warning while serving the request.
    broken = create_app(
        Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nope", rate_limit_requests=0)
    )
    transport = httpx.ASGITransport(app=broken, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answer = await client.get("/v1/territories", headers={**reader, "X-Request-ID": "down-1"})
    await broken.state.engine.dispose()

    assert answer.status_code == 503
    assert answer.headers["x-request-id"] == "down-1"
    warnings = [line for line in log_lines() if line.get("logger") == "observatoire.api"]
    assert warnings and all(line["request_id"] == "down-1" for line in warnings)
    assert warnings[0]["level"] == "warning"
    # The statement and its parameters (a key's hash) stay out of the logs.
    assert "SELECT" not in warnings[0]["event"]


def samples(text: str, name: str) -> dict[str, float]:
    """Prometheus text samples of the metric `name`, by their label string."""
    found = {}
    for line in text.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}(\{{.*\}})? (\S+)", line)
        if match:
            found[match.group(1) or ""] = float(match.group(2))
    return found


async def test_metrics_count_requests_by_route_template_and_status(client, reader, staff):
    before = samples((await client.get("/metrics")).text, "observatoire_http_requests_total")
    catalyst = await create_catalyst(client, staff)
    await client.get(f"/v1/catalysts/{catalyst['id']}", headers=reader)
    await client.get(f"/v1/catalysts/{uuid.uuid4()}", headers=reader)
    await client.get("/v1/no-such-thing", headers=reader)
    scrape = await client.get("/metrics")

    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    after = samples(scrape.text, "observatoire_http_requests_total")

    def increase(labels: str) -> float:
        return after.get(labels, 0) - before.get(labels, 0)

    # Labelled by template, not by id: one series however many catalysts there are.
    assert increase('{method="GET",route="/v1/catalysts/{catalyst_id}",status="200"}') == 1
    assert increase('{method="GET",route="/v1/catalysts/{catalyst_id}",status="404"}') == 1
    assert increase('{method="POST",route="/v1/catalysts",status="201"}') == 1
    assert increase('{method="GET",route="<unmatched>",status="404"}') == 1
    latencies = samples(scrape.text, "observatoire_http_request_duration_seconds_count")
    assert latencies['{method="GET",route="/v1/catalysts/{catalyst_id}"}'] >= 2


async def test_metrics_report_jobs_outbox_and_database_state(app, client, staff):
    requested = await client.post("/v1/aggregation-jobs", json={}, headers=staff)
    assert requested.status_code == 202
    async with session_scope(app.state.session_factory) as session:
        await session.execute(
            insert(OutboxMessage).values(
                task="deliver_webhook", args=[], job_key=f"test-{uuid.uuid4()}", available_at=utcnow()
            )
        )
    text = (await client.get("/metrics")).text

    assert samples(text, "observatoire_database_up") == {"": 1.0}
    jobs = samples(text, "observatoire_aggregation_jobs")
    assert sum(jobs.values()) == 1
    # The test app runs no job runtime: the job and its outbox message wait.
    assert jobs == {'{status="queued"}': 1.0}
    assert samples(text, "observatoire_outbox_backlog")[""] == 2
    assert samples(text, "observatoire_webhook_failures_total") == {"": 0.0}


async def test_metrics_still_answer_when_the_database_is_down():
    broken = create_app(
        Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nope", rate_limit_requests=0)
    )
    transport = httpx.ASGITransport(app=broken, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        scrape = await client.get("/metrics")
    await broken.state.engine.dispose()
    assert scrape.status_code == 200
    assert samples(scrape.text, "observatoire_database_up") == {"": 0.0}
    assert "observatoire_outbox_backlog" not in scrape.text


async def test_metrics_ask_for_the_token_when_one_is_configured(database_url):
    guarded = create_app(
        Settings(database_url=database_url, metrics_token="s3cret-scrape", rate_limit_requests=0)
    )
    transport = httpx.ASGITransport(app=guarded, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        anonymous = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    await guarded.state.engine.dispose()
    assert (anonymous.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert "observatoire_http_requests_total" in right.text


async def test_metrics_report_finished_job_durations_and_webhook_failures(app, client):
    finished_at = utcnow()
    async with session_scope(app.state.session_factory) as session:
        session.add(
            AggregationJob(
                status="succeeded",
                methodology_version=1,
                parameters_key="metrics-test|1",
                started_at=finished_at - timedelta(seconds=42),
                finished_at=finished_at,
            )
        )
        subscription = WebhookSubscription(
            url="https://hooks.example.org/x", events=["snapshot.published"], secret="whsec_x"
        )
        session.add(subscription)
        await session.flush()
        delivery = WebhookDelivery(
            subscription_id=subscription.id, event_type="snapshot.published", payload={}
        )
        session.add(delivery)
        await session.flush()
        for attempt, status_code in enumerate([503, None, 200], start=1):
            session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    attempt=attempt,
                    attempted_at=finished_at,
                    status_code=status_code,
                )
            )
    text = (await client.get("/metrics")).text

    buckets = samples(text, "observatoire_aggregation_job_duration_seconds_bucket")
    # 42 s: above the 30 s bound, within the 60 s one.
    assert buckets['{le="30.0",outcome="succeeded"}'] == 0
    assert buckets['{le="60.0",outcome="succeeded"}'] == 1
    assert samples(text, "observatoire_aggregation_job_duration_seconds_sum") == {
        '{outcome="succeeded"}': 42.0
    }
    assert samples(text, "observatoire_aggregation_jobs") == {'{status="succeeded"}': 1.0}
    # A 503 and an attempt with no answer failed; the 200 did not.
    assert samples(text, "observatoire_webhook_attempts_total") == {"": 3.0}
    assert samples(text, "observatoire_webhook_failures_total") == {"": 2.0}
    assert samples(text, "observatoire_webhook_deliveries") == {'{status="pending"}': 1.0}
