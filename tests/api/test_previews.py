"""Previews: a snapshot's inputs rescored with a draft configuration (METHODOLOGY.md section 9).

Two alliances, worked out by hand at T = 2024-12-31 (T − 365 days = 2024-01-01):

A (catalyst 1, FR-94, employment), two performance indicators:
- EMP, baseline 10, target 50: 30 for 2024-06 → 50; 18 for 2023-06 → 20 (at T − 365).
- OLD, a percentage: 80 for 2021-06 (period end 2021-06-30), 1280 days before T, 915 before
  T − 365: outside the default lookback (1095 days) at T, inside it at T − 365.
  Default: score 50 (coverage 0.5, the threshold), before 50 → delta 0.
  coverage_threshold 0.9: withheld (null, insufficient_coverage).
  performance lookback 1500: score (50 + 80) / 2 = 65, coverage 1, delta 65 − 50 = 15.
B (catalyst 2, FR-93, health), one performance indicator, baseline 0, target 100: 40 for
  2024-03 → 40 under every configuration here; and two innovation indicators (a binary 1 → 100,
  a percentage 30 → 30), whose weight noise gives a real uncertainty band.
"""

import uuid

import pytest
import time_machine
from sqlalchemy import func, select

from services.core.db import session_scope
from services.core.outbox.models import OutboxMessage
from services.core.previews.models import Preview, PreviewScore
from services.core.snapshots.models import Snapshot
from services.core.webhooks.models import WebhookDelivery
from tests.api.factories import create_alliance, create_catalyst
from tests.api.indicator_factories import create_indicator, record
from tests.security.support import assert_problem, error_locs

AS_OF = "2024-12-31"


@pytest.fixture
async def world(app, client, staff) -> dict:
    first = await create_catalyst(client, staff)
    second = await create_catalyst(client, staff, territory_code="FR-93")
    a = await create_alliance(client, staff, [first["id"]], territory_code="FR-94", domains=["employment"])
    b = await create_alliance(client, staff, [second["id"]], territory_code="FR-93", domains=["health"])
    emp = await create_indicator(client, staff, a["id"], baseline_value=10, target_value=50)
    old = await create_indicator(client, staff, a["id"], measure_type="percentage")
    other = await create_indicator(client, staff, b["id"], baseline_value=0, target_value=100)
    await record(client, staff, emp, period="2024-06", value=30)
    await record(client, staff, emp, period="2023-06", value=18)
    await record(client, staff, old, period="2021-06", value=80)
    await record(client, staff, other, period="2024-03", value=40)
    delivered = await create_indicator(client, staff, b["id"], axis="innovation", measure_type="binary")
    share = await create_indicator(client, staff, b["id"], axis="innovation", measure_type="percentage")
    await record(client, staff, delivered, period="2024", value=1)
    await record(client, staff, share, period="2024", value=30)
    job = await client.post("/v1/aggregation-jobs", json={"as_of": AS_OF}, headers=staff)
    await app.state.jobs.drain()
    job = (await client.get(job.headers["location"], headers=staff)).json()
    assert job["status"] == "succeeded", job
    return {"a": a, "b": b, "first": first, "snapshot_id": job["snapshot_id"]}


async def _preview(app, client, staff, config: dict, snapshot: str = "latest") -> dict:
    response = await client.post(f"/v1/snapshots/{snapshot}/previews", json={"config": config}, headers=staff)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/v1/previews/{response.json()['id']}"
    assert response.json()["status"] == "queued"
    await app.state.jobs.drain()
    return (await client.get(response.headers["location"], headers=staff)).json()


async def _all(client, headers, path: str, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        page_params = {"limit": 7, **params} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=page_params, headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


def _key(row: dict) -> tuple:
    return row["subject_type"], row["subject_id"] or "", row["axis"]


def _row(rows: list[dict], subject_type: str, subject_id, axis: str) -> dict:
    [row] = [
        r for r in rows if (r["subject_type"], r["subject_id"], r["axis"]) == (subject_type, subject_id, axis)
    ]
    return row


async def test_the_snapshots_own_configuration_gives_every_row_identical(app, client, staff, world):
    snapshot = (await client.get(f"/v1/snapshots/{world['snapshot_id']}", headers=staff)).json()
    config = (await client.get("/v1/methodologies/1", headers=staff)).json()["config"]
    preview = await _preview(app, client, staff, config, world["snapshot_id"])
    assert preview["status"] == "succeeded" and preview["progress"] == 1.0 and preview["stage"] == "stored"
    assert preview["snapshot_id"] == snapshot["id"] and preview["as_of"] == AS_OF
    assert preview["config_hash"] == snapshot["methodology_hash"]
    assert preview["input_watermark"] == snapshot["input_watermark"]
    assert preview["counts"]["score_rows"] == snapshot["counts"]["score_rows"]
    mine = sorted(await _all(client, staff, f"/v1/previews/{preview['id']}/scores"), key=_key)
    theirs = sorted(await _all(client, staff, f"/v1/snapshots/{snapshot['id']}/scores"), key=_key)
    assert len(mine) == snapshot["counts"]["score_rows"]
    assert mine == theirs  # every score, band, flag and count
    performance = _row(mine, "alliance", world["a"]["id"], "performance")
    assert (performance["score"], performance["coverage"], performance["delta_1y"]) == (50.0, 0.5, 0.0)
    innovation = _row(mine, "alliance", world["b"]["id"], "innovation")
    assert innovation["score"] == 65.0
    assert innovation["lower"] < 65.0 < innovation["upper"]  # a real band, the same on both sides
    moved = await _all(client, staff, f"/v1/previews/{preview['id']}/compare")
    assert {item["difference"] for item in moved} <= {0.0, None}


async def test_a_higher_coverage_threshold_withholds_the_score(app, client, staff, world):
    preview = await _preview(app, client, staff, {"coverage_threshold": 0.9})
    rows = await _all(client, staff, f"/v1/previews/{preview['id']}/scores", subject_type="alliance")
    a = _row(rows, "alliance", world["a"]["id"], "performance")
    assert (a["score"], a["coverage"], a["flags"], a["delta_1y"]) == (
        None,
        0.5,
        ["insufficient_coverage"],
        None,
    )
    assert (a["lower"], a["upper"]) == (None, None)
    b = _row(rows, "alliance", world["b"]["id"], "performance")
    assert (b["score"], b["coverage"], b["flags"]) == (40.0, 1.0, [])
    groups = await _all(client, staff, f"/v1/previews/{preview['id']}/scores", subject_type="all")
    assert _row(groups, "all", None, "performance")["score"] == 40.0  # B alone: (50 + 40) / 2 before
    catalyst = await _all(
        client,
        staff,
        f"/v1/previews/{preview['id']}/scores",
        subject_id=world["first"]["id"],
        axis="performance",
    )
    assert [(row["score"], row["flags"]) for row in catalyst] == [(None, ["not_measured"])]


async def test_a_longer_lookback_counts_an_older_value_and_compare_puts_it_first(app, client, staff, world):
    config = {"lookback_days": {"performance": 1500, "innovation": 1825, "trust": 1825}}
    preview = await _preview(app, client, staff, config)
    rows = await _all(client, staff, f"/v1/previews/{preview['id']}/scores", axis="performance")
    a = _row(rows, "alliance", world["a"]["id"], "performance")
    assert (a["score"], a["coverage"], a["delta_1y"], a["flags"]) == (65.0, 1.0, 15.0, [])
    assert a["n_indicators"] == a["n_scored_indicators"] == 2
    assert _row(rows, "alliance", world["b"]["id"], "performance")["score"] == 40.0
    assert _row(rows, "all", None, "performance")["score"] == 52.5

    moved = await _all(client, staff, f"/v1/previews/{preview['id']}/compare")
    differences = [item["difference"] for item in moved]
    known = [d for d in differences if d is not None]
    assert differences == known + [None] * (len(differences) - len(known))  # no difference: last
    assert [abs(d) for d in known] == sorted((abs(d) for d in known), reverse=True)
    assert known[0] == 15.0
    first = {(item["subject_type"], item["subject_id"]) for item in moved if item["difference"] == 15.0}
    assert first == {
        ("alliance", world["a"]["id"]),
        ("catalyst", world["first"]["id"]),
        ("territory", "FR-94"),
        ("domain", "employment"),
    }
    shared = _row(moved, "all", None, "performance")
    assert (shared["score"], shared["other_score"], shared["difference"]) == (52.5, 45.0, 7.5)
    b = _row(moved, "alliance", world["b"]["id"], "performance")
    assert (b["score"], b["other_score"], b["difference"]) == (40.0, 40.0, 0.0)
    trust = await _all(
        client, staff, f"/v1/previews/{preview['id']}/compare", axis="trust", subject_type="alliance"
    )
    assert {item["difference"] for item in trust} == {None}


async def test_same_alliances_as_the_snapshot_whatever_changed_since(app, client, staff, world):
    # After K: A's end moved before T, B deleted, a new alliance with a value.
    response = await client.patch(
        f"/v1/alliances/{world['a']['id']}", json={"ended_on": "2024-06-30"}, headers=staff
    )
    assert response.status_code == 200, response.text
    assert (await client.delete(f"/v1/alliances/{world['b']['id']}", headers=staff)).status_code == 204
    late = await create_alliance(client, staff, [world["first"]["id"]])
    indicator = await create_indicator(client, staff, late["id"])
    await record(client, staff, indicator, period="2024-06", value=5)

    config = (await client.get("/v1/methodologies/1", headers=staff)).json()["config"]
    preview = await _preview(app, client, staff, config, world["snapshot_id"])
    mine = sorted(await _all(client, staff, f"/v1/previews/{preview['id']}/scores"), key=_key)
    theirs = sorted(await _all(client, staff, f"/v1/snapshots/{world['snapshot_id']}/scores"), key=_key)
    assert mine == theirs
    alliances = {row["subject_id"] for row in mine if row["subject_type"] == "alliance"}
    assert alliances == {world["a"]["id"], world["b"]["id"]}


async def test_a_preview_publishes_no_snapshot_and_announces_nothing(app, client, staff, world):
    for events in (["snapshot.published"], ["aggregation_job.failed"]):
        subscription = await client.post(
            "/v1/webhooks", json={"url": "https://93.184.216.34/hooks", "events": events}, headers=staff
        )
        assert subscription.status_code == 201
    preview = await _preview(app, client, staff, {"coverage_threshold": 0.9})
    assert preview["status"] == "succeeded"
    async with app.state.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Snapshot)) == 1
        assert await session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
        tasks = (await session.scalars(select(OutboxMessage.task))).all()
    assert sorted(tasks) == ["aggregate", "preview"]
    assert (await client.get("/v1/snapshots", headers=staff)).json()["items"][0]["id"] == world["snapshot_id"]


async def test_a_failing_preview_is_retried_then_failed_without_a_webhook(
    app, client, staff, world, monkeypatch
):
    from services.core.jobs import lifecycle
    from services.core.previews import run as preview_run

    def broken(*_):
        raise RuntimeError("scoring exploded")

    await client.post(
        "/v1/webhooks",
        json={"url": "https://93.184.216.34/hooks", "events": ["aggregation_job.failed"]},
        headers=staff,
    )
    monkeypatch.setattr(preview_run, "score_all", broken)
    monkeypatch.setattr(lifecycle, "RETRY_DELAYS_SECONDS", (0,))
    preview = await _preview(app, client, staff, {"mc_draws": 10})
    assert preview["status"] == "failed" and "scoring exploded" in preview["error"]
    assert preview["attempts"] == app.state.settings.job_max_tries
    assert_problem(await client.get(f"/v1/previews/{preview['id']}/scores", headers=staff), 409)
    async with app.state.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


async def test_a_second_request_joins_the_queued_preview_and_cancelling_it(app, client, staff, world):
    path = "/v1/snapshots/latest/previews"
    first = await client.post(path, json={"config": {"mc_draws": 50}}, headers=staff)
    again = await client.post(path, json={"config": {"mc_draws": 50}}, headers=staff)
    other = await client.post(path, json={"config": {"mc_draws": 60}}, headers=staff)
    assert (first.status_code, again.status_code, other.status_code) == (202, 200, 202)
    assert again.json()["id"] == first.json()["id"] != other.json()["id"]
    cancelled = await client.post(f"/v1/previews/{first.json()['id']}/cancel", headers=staff)
    assert cancelled.json()["status"] == "cancelled"
    await app.state.jobs.drain()
    assert (await client.get(f"/v1/previews/{first.json()['id']}", headers=staff)).json()[
        "status"
    ] == "cancelled"
    assert (await client.get(f"/v1/previews/{other.json()['id']}", headers=staff)).json()[
        "status"
    ] == "succeeded"
    assert_problem(await client.post(f"/v1/previews/{first.json()['id']}/cancel", headers=staff), 409)
    assert_problem(await client.get(f"/v1/previews/{first.json()['id']}/compare", headers=staff), 409)
    async with app.state.session_factory() as session:
        rows = await session.scalar(
            select(func.count())
            .select_from(PreviewScore)
            .where(PreviewScore.preview_id == uuid.UUID(first.json()["id"]))
        )
    assert rows == 0


async def test_an_invalid_configuration_is_a_422_naming_the_field(client, staff, world):
    path = "/v1/snapshots/latest/previews"
    cases = [
        ({"config": {"coverage_threshold": 1.5}}, ["body", "config", "coverage_threshold"]),
        ({"config": {"lookback_days": {"trust": 0}}}, ["body", "config", "lookback_days", "trust"]),
        ({"config": {"mc_noise": 1}}, ["body", "config", "mc_noise"]),
        ({"config": {"unknown": 1}}, ["body", "config", "unknown"]),
        ({}, ["body", "config"]),
    ]
    for body, loc in cases:
        response = await client.post(path, json=body, headers=staff)
        assert_problem(response, 422)
        assert error_locs(response) == [loc], (body, response.text)
    assert (await client.get("/v1/snapshots/latest", headers=staff)).status_code == 200


async def test_unknown_snapshot_or_preview_is_a_404(client, staff):
    body = {"config": {}}
    assert_problem(await client.post("/v1/snapshots/latest/previews", json=body, headers=staff), 404)
    unknown = "0192e4a0-0000-7000-8000-000000000000"
    assert_problem(await client.post(f"/v1/snapshots/{unknown}/previews", json=body, headers=staff), 404)
    for suffix in ("", "/scores", "/compare"):
        assert_problem(await client.get(f"/v1/previews/{unknown}{suffix}", headers=staff), 404)


async def test_only_staff_keys_open_previews(app, client, staff, reader, make_key, world):
    preview = await _preview(app, client, staff, {"mc_draws": 20})
    writer = await make_key("write", catalyst_id=world["first"]["id"])
    for headers in (reader, writer):
        response = await client.post("/v1/snapshots/latest/previews", json={"config": {}}, headers=headers)
        assert_problem(response, 403)
        for suffix in ("", "/scores", "/compare"):
            assert_problem(await client.get(f"/v1/previews/{preview['id']}{suffix}", headers=headers), 403)
        assert_problem(await client.post(f"/v1/previews/{preview['id']}/cancel", headers=headers), 403)


async def test_previews_are_kept_7_days_then_purged(app, client, staff, world):
    preview = await _preview(app, client, staff, {"mc_draws": 20})
    path = f"/v1/previews/{preview['id']}"
    with time_machine.travel("2099-01-01 00:00:00+00:00", tick=False) as traveller:
        traveller.move_to(preview["expires_at"])
        for suffix in ("", "/scores", "/compare"):
            assert_problem(await client.get(path + suffix, headers=staff), 404)
        async with app.state.session_factory() as session:
            assert await session.scalar(select(func.count()).select_from(Preview)) == 1
        await app.state.jobs.relay.run_once()  # the relay's housekeeping purges them
    async with app.state.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Preview)) == 0
        assert await session.scalar(select(func.count()).select_from(PreviewScore)) == 0
    assert_problem(await client.get(path, headers=staff), 404)


async def test_a_preview_still_young_is_there_a_day_before_it_expires(app, client, staff, world):
    preview = await _preview(app, client, staff, {"mc_draws": 20})
    with time_machine.travel(preview["created_at"], tick=False) as traveller:
        traveller.shift(6 * 24 * 3600)
        await app.state.jobs.relay.run_once()
        response = await client.get(f"/v1/previews/{preview['id']}", headers=staff)
    assert response.status_code == 200


async def test_a_preview_run_again_keeps_one_complete_set_of_rows(app, client, staff, world):
    from services.worker.tasks.preview import preview as preview_task

    preview = await _preview(app, client, staff, {"mc_draws": 20})
    path = f"/v1/previews/{preview['id']}/scores"
    rows = await _all(client, staff, path)
    # arq runs a job at least once: a finished preview is left as it is...
    assert await preview_task(app.state.jobs.context, preview["id"]) is False
    # ...and one whose first run died after storing (as a crash would leave it) replaces its rows.
    async with session_scope(app.state.session_factory) as session:
        record = await session.get(Preview, uuid.UUID(preview["id"]))
        record.status = "running"
    assert await preview_task(app.state.jobs.context, preview["id"]) is True
    assert await _all(client, staff, path) == rows
    again = (await client.get(f"/v1/previews/{preview['id']}", headers=staff)).json()
    assert (again["status"], again["attempts"]) == ("succeeded", 2)
