"""End to end through the HTTP API: data → aggregation job → snapshot → scores."""

import csv
import io

import time_machine
from sqlalchemy import select

from services.core.config import Settings
from services.core.snapshots import service as snapshot_service
from services.core.snapshots.identity import content_hash
from services.core.webhooks.models import WebhookDelivery
from services.worker.context import TaskContext
from services.worker.inline import InlineRunner
from services.worker.tasks.aggregate import aggregate
from tests.api.factories import AS_OF, create_catalyst, run_job


async def _observe(client, headers, indicator_id, period, value) -> None:
    response = await client.post(
        f"/v1/indicators/{indicator_id}/observations",
        json={"period": period, "value": value},
        headers=headers,
    )
    assert response.status_code in (200, 201), response.text


async def _scores(client, headers, **params) -> list[dict]:
    response = await client.get(
        "/v1/snapshots/latest/scores", params={"limit": 500, **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_job_publishes_the_scores_worked_out_by_hand(app, client, staff, reader, scored_alliance):
    job = await run_job(app, client, staff)
    assert job["status"] == "succeeded" and job["progress"] == 1.0 and job["snapshot_id"]
    snapshot = (await client.get("/v1/snapshots/latest", headers=reader)).json()
    assert snapshot["id"] == job["snapshot_id"]
    assert snapshot["as_of"] == AS_OF and snapshot["methodology_version"] == 1
    rows = await _scores(
        client, reader, subject_type="alliance", subject_id=scored_alliance["alliance"]["id"]
    )
    by_axis = {row["axis"]: row for row in rows}
    assert by_axis["performance"]["score"] == 50.0
    assert by_axis["performance"]["delta_1y"] == 30.0  # 50 - 20
    assert by_axis["trust"]["score"] == 75.0
    assert by_axis["innovation"]["score"] == 100.0
    for row in rows:  # one indicator per axis: every draw gives the same score
        assert row["coverage"] == 1.0
        assert row["lower"] == row["score"] == row["upper"]
        assert row["n_indicators"] == row["n_scored_indicators"] == 1


async def test_roll_ups_cover_catalyst_territories_domains_and_actor_types(
    app, client, staff, scored_alliance
):
    await run_job(app, client, staff)
    rows = await _scores(client, staff, axis="trust")
    subjects = {(row["subject_type"], row["subject_id"]): row for row in rows}
    expected = {
        ("catalyst", scored_alliance["catalyst"]["id"]),
        ("territory", "FR-94"),
        ("territory", "FR-IDF"),
        ("territory", "FR"),
        ("domain", "employment"),
        ("domain", "education"),
        ("actor_type", "public"),
        ("actor_type", "company"),
        ("all", None),
    }
    assert expected <= set(subjects)
    for key in expected:  # a one-alliance group equals its alliance
        assert subjects[key]["score"] == 75.0
        assert subjects[key]["n_alliances"] == subjects[key]["n_scored"] == 1
        assert subjects[key]["median"] == subjects[key]["min"] == subjects[key]["max"] == 75.0


async def test_the_same_data_and_t_give_the_same_content_hash(app, client, staff, scored_alliance):
    first = await run_job(app, client, staff)
    second = await run_job(app, client, staff)
    assert first["snapshot_id"] != second["snapshot_id"]
    hashes = [
        (await client.get(f"/v1/snapshots/{job['snapshot_id']}", headers=staff)).json()["content_hash"]
        for job in (first, second)
    ]
    assert hashes[0] == hashes[1]


async def test_a_published_snapshot_cannot_change(app, client, staff, scored_alliance):
    job = await run_job(app, client, staff)
    path = f"/v1/snapshots/{job['snapshot_id']}"
    stored = (await client.get(path, headers=staff)).json()
    for method in ("PATCH", "PUT", "DELETE"):
        response = await client.request(method, path, json={"content_hash": "x"}, headers=staff)
        assert response.status_code == 405
    # New data and a new job make a new snapshot; the old one is untouched.
    indicator = (
        await client.get(f"/v1/alliances/{scored_alliance['alliance']['id']}/indicators", headers=staff)
    ).json()["items"][0]
    await _observe(client, staff, indicator["id"], "2024-11", 45)
    await run_job(app, client, staff)
    exported = (await client.get(f"{path}/export", headers=staff)).json()
    assert content_hash(exported) == stored["content_hash"]
    assert (await client.get(path, headers=staff)).json() == stored


async def test_export_as_csv_streams_every_row(app, client, staff, scored_alliance, monkeypatch):
    # Batches of 2 rows: a snapshot of a dozen rows is written in several, as a large one is.
    monkeypatch.setattr(snapshot_service, "EXPORT_BATCH", 2)
    job = await run_job(app, client, staff)
    path = f"/v1/snapshots/{job['snapshot_id']}"
    as_json = (await client.get(f"{path}/export", headers=staff)).json()
    response = await client.get(f"{path}/export", params={"format": "csv"}, headers=staff)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(as_json) == (await client.get(path, headers=staff)).json()["counts"]["score_rows"]
    assert len(as_json) > 2 * snapshot_service.EXPORT_BATCH
    # The header once, at the top: every row is a row of scores.
    assert [row["subject_type"] for row in rows] == [row["subject_type"] for row in as_json]
    assert response.text.count("subject_type") == 1


async def test_compare_two_snapshots(app, client, staff, scored_alliance):
    first = await run_job(app, client, staff)
    trust = (
        await client.get(
            f"/v1/alliances/{scored_alliance['alliance']['id']}/indicators",
            params={"axis": "trust"},
            headers=staff,
        )
    ).json()["items"][0]
    await _observe(client, staff, trust["id"], "2024-Q3", 5)  # a correction: (5-1)/4 -> 100
    second = await run_job(app, client, staff)
    response = await client.get(
        f"/v1/snapshots/{second['snapshot_id']}/compare/{first['snapshot_id']}",
        params={"subject_type": "alliance", "axis": "trust"},
        headers=staff,
    )
    [item] = response.json()["items"]
    assert (item["score"], item["other_score"], item["difference"]) == (100.0, 75.0, 25.0)


async def test_a_second_request_joins_the_queued_job(app, client, staff):
    first = await client.post("/v1/aggregation-jobs", json={"as_of": AS_OF}, headers=staff)
    second = await client.post("/v1/aggregation-jobs", json={"as_of": AS_OF}, headers=staff)
    other_date = await client.post("/v1/aggregation-jobs", json={"as_of": "2023-12-31"}, headers=staff)
    assert first.status_code == 202 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert other_date.json()["id"] != first.json()["id"]
    await app.state.jobs.drain()
    history = (await client.get("/v1/aggregation-jobs", headers=staff)).json()["items"]
    assert {job["id"] for job in history} == {first.json()["id"], other_date.json()["id"]}
    assert all(job["status"] == "succeeded" for job in history)


async def test_cancelling_a_queued_job(app, client, staff):
    job = (await client.post("/v1/aggregation-jobs", json={"as_of": AS_OF}, headers=staff)).json()
    cancelled = await client.post(f"/v1/aggregation-jobs/{job['id']}/cancel", headers=staff)
    assert cancelled.json()["status"] == "cancelled"
    await app.state.jobs.drain()
    assert (await client.get(f"/v1/aggregation-jobs/{job['id']}", headers=staff)).json()[
        "snapshot_id"
    ] is None
    again = await client.post(f"/v1/aggregation-jobs/{job['id']}/cancel", headers=staff)
    assert again.status_code == 409
    assert (await client.get("/v1/snapshots/latest", headers=staff)).status_code == 404


async def test_a_failing_job_is_retried_then_failed_with_its_error(app, client, staff, monkeypatch):
    from services.core.aggregation import run as aggregation_run
    from services.core.jobs import lifecycle

    def broken(*_):
        raise RuntimeError("scoring exploded")

    monkeypatch.setattr(aggregation_run, "score_all", broken)
    monkeypatch.setattr(lifecycle, "RETRY_DELAYS_SECONDS", (0,))
    job = (await client.post("/v1/aggregation-jobs", json={"as_of": AS_OF}, headers=staff)).json()
    await app.state.jobs.drain()
    failed = (await client.get(f"/v1/aggregation-jobs/{job['id']}", headers=staff)).json()
    assert failed["status"] == "failed"
    assert "scoring exploded" in failed["error"]
    assert failed["attempts"] == app.state.settings.job_max_tries


async def test_only_staff_trigger_jobs(client, staff, reader, make_key):
    catalyst = await create_catalyst(client, staff)
    writer = await make_key("write", catalyst_id=catalyst["id"])
    for headers in (reader, writer):
        assert (await client.post("/v1/aggregation-jobs", json={}, headers=headers)).status_code == 403
    assert (await client.get("/v1/aggregation-jobs", headers=staff)).json()["items"] == []
    assert (await client.post("/v1/aggregation-jobs", json={}, headers=staff)).status_code == 202


async def test_a_published_snapshot_is_announced_to_subscribers(app, client, staff, scored_alliance):
    subscription = await client.post(
        "/v1/webhooks",
        json={"url": "https://93.184.216.34/hooks", "events": ["snapshot.published"]},
        headers=staff,
    )
    assert subscription.status_code == 201
    job = (await client.post("/v1/aggregation-jobs", json={"as_of": AS_OF}, headers=staff)).json()
    # Run the job only (not the deliveries: the subscriber's address is not reachable from here).
    await aggregate(app.state.jobs.context, job["id"])
    snapshot_id = (await client.get(f"/v1/aggregation-jobs/{job['id']}", headers=staff)).json()["snapshot_id"]
    async with app.state.session_factory() as session:
        [delivery] = (await session.scalars(select(WebhookDelivery))).all()
    assert delivery.event_type == "snapshot.published"
    assert delivery.payload["data"]["snapshot_id"] == snapshot_id
    assert str(delivery.subscription_id) == subscription.json()["id"]


async def test_the_schedule_requests_a_job(app, client, staff):
    settings = Settings(database_url=app.state.settings.database_url, aggregation_cron="0 3 * * *")
    with time_machine.travel("2026-11-26 02:58:00+00:00", tick=False) as traveller:
        runner = InlineRunner(TaskContext(settings, app.state.session_factory))
        await runner.relay.run_once()
        assert (await client.get("/v1/aggregation-jobs", headers=staff)).json()["items"] == []
        traveller.move_to("2026-11-26 03:00:30+00:00")
        await runner.relay.run_once()
        await runner.drain()
    [job] = (await client.get("/v1/aggregation-jobs", headers=staff)).json()["items"]
    assert job["trigger"] == "schedule"
    assert job["status"] == "succeeded"


async def test_cancelling_a_running_job_stops_it_at_its_next_checkpoint(app, client, staff, monkeypatch):
    from services.core.aggregation import run as aggregation_run

    job = (await client.post("/v1/aggregation-jobs", json={"as_of": AS_OF}, headers=staff)).json()
    original = aggregation_run.load_input

    async def load_then_cancel(*args, **kwargs):
        # Staff press "cancel" while the job is loading its input.
        running = (await client.get(f"/v1/aggregation-jobs/{job['id']}", headers=staff)).json()
        assert running["status"] == "running"
        response = await client.post(f"/v1/aggregation-jobs/{job['id']}/cancel", headers=staff)
        assert response.json()["cancel_requested"] is True
        return await original(*args, **kwargs)

    monkeypatch.setattr(aggregation_run, "load_input", load_then_cancel)
    await app.state.jobs.drain()
    cancelled = (await client.get(f"/v1/aggregation-jobs/{job['id']}", headers=staff)).json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["snapshot_id"] is None
    assert (await client.get("/v1/snapshots/latest", headers=staff)).status_code == 404


async def test_a_failed_job_is_announced_to_subscribers(app, client, staff, monkeypatch):
    from services.core.aggregation import run as aggregation_run
    from services.core.jobs import lifecycle

    def broken(*_):
        raise RuntimeError("scoring exploded")

    monkeypatch.setattr(aggregation_run, "score_all", broken)
    monkeypatch.setattr(lifecycle, "RETRY_DELAYS_SECONDS", (0,))
    await client.post(
        "/v1/webhooks",
        json={"url": "https://93.184.216.34/hooks", "events": ["aggregation_job.failed"]},
        headers=staff,
    )
    job = (await client.post("/v1/aggregation-jobs", json={"as_of": AS_OF}, headers=staff)).json()
    for _ in range(app.state.settings.job_max_tries):
        await aggregate(app.state.jobs.context, job["id"])
    async with app.state.session_factory() as session:
        [delivery] = (await session.scalars(select(WebhookDelivery))).all()
    assert delivery.event_type == "aggregation_job.failed"
    assert delivery.payload["data"]["job_id"] == job["id"]
    assert "scoring exploded" in delivery.payload["data"]["error"]
