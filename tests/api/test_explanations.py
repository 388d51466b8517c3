"""Explanations published with a snapshot, end to end, on both databases.

The scenario (T = 2024-12-31, lag 365 days, so T − lag = 2024-01-01), worked by hand:
alliance A (started 2020), performance axis:
- EMP, weight 1, baseline 0 → target 10, value 4 for 2024-06: s = 40;
- PCT, weight 3, percentage, value 80 for 2024-Q3: s = 80;
- RAW, weight 1, quantity without goalposts: unscorable (baseline, target, worst, best missing);
- LATE, weight 1, baseline 0 → target 10, only a value for 2025-03: only_values_after_as_of.
Coverage = (1 + 3) / (1 + 3 + 1 + 1) = 0.666667 ≥ 0.5; score = (1·40 + 3·80) / 4 = 70;
contributions 1·40/4 = 10 and 3·80/4 = 60, which add up to 70.
At T − lag: EMP has 2 for 2023-06 (s = 20); PCT's and LATE's only values end after
2024-01-01 (only_values_after_as_of): coverage 1/6 = 0.166667 < 0.5, score withheld; EMP's
contribution is still given: 1·20/1 = 20 (what the score would have been).
Alliance B (same catalyst) starts in 2025: not active at T, listed `not_active_at_as_of`.
Alliance C (started 2020) has an active company member; A's company member left in 2023, so
the `company` actor type lists A as `member_not_active_at_as_of`.
"""

import orjson
import pytest
from sqlalchemy import select

from services.core.aggregation.loader import load_input
from services.core.methodology.service import config_of, get_methodology
from services.core.scoring.pipeline import score_all
from services.core.snapshots.models import Snapshot, SnapshotExplanation
from tests.api.factories import create, create_alliance, create_catalyst, create_organisation

AS_OF = "2024-12-31"


async def _indicator(client, staff, alliance_id, **fields) -> dict:
    body = {"calculation_method": "Méthode", "axis": "performance", **fields}
    return await create(client, f"/v1/alliances/{alliance_id}/indicators", body, staff)


async def _observe(client, staff, indicator, period, value) -> dict:
    response = await client.post(
        f"/v1/indicators/{indicator['id']}/observations",
        json={"period": period, "value": value},
        headers=staff,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _member(client, staff, alliance, actor_type, **dates) -> None:
    organisation = await create_organisation(client, staff, actor_type=actor_type)
    await create(
        client,
        f"/v1/alliances/{alliance['id']}/members",
        {"organisation_id": organisation["id"], **dates},
        staff,
    )


@pytest.fixture
async def world(app, client, staff) -> dict:
    catalyst = await create_catalyst(client, staff)
    a = await create_alliance(client, staff, [catalyst["id"]], name="Alliance A", started_on="2020-01-01")
    b = await create_alliance(client, staff, [catalyst["id"]], name="Alliance B", started_on="2025-02-01")
    c = await create_alliance(client, staff, [catalyst["id"]], name="Alliance C", started_on="2020-01-01")
    await _member(client, staff, a, "association", joined_on="2020-01-01")
    await _member(client, staff, a, "company", joined_on="2020-01-01", left_on="2023-05-01")
    await _member(client, staff, c, "company", joined_on="2020-01-01")
    emp = await _indicator(
        client, staff, a["id"], code="EMP", name="Emplois", baseline_value=0, target_value=10
    )
    pct = await _indicator(
        client, staff, a["id"], code="PCT", name="Taux", measure_type="percentage", weight=3
    )
    raw = await _indicator(client, staff, a["id"], code="RAW", name="Brut")
    late = await _indicator(
        client, staff, a["id"], code="LATE", name="Tard", baseline_value=0, target_value=10
    )
    observed = await _observe(client, staff, emp, "2024-06", 4)
    await _observe(client, staff, emp, "2023-06", 2)
    await _observe(client, staff, pct, "2024-Q3", 80)
    await _observe(client, staff, late, "2025-03", 7)
    job = await client.post("/v1/aggregation-jobs", json={"as_of": AS_OF}, headers=staff)
    assert job.status_code == 202, job.text
    await app.state.jobs.drain()
    snapshot = (await client.get("/v1/snapshots/latest", headers=staff)).json()
    return {
        "snapshot": snapshot,
        "catalyst": catalyst,
        "a": a,
        "b": b,
        "c": c,
        "indicators": {"EMP": emp, "PCT": pct, "RAW": raw, "LATE": late},
        "observed": observed,
    }


async def _explain(client, headers, snapshot_id, subject_type, subject_id, **params):
    path = f"/v1/snapshots/{snapshot_id}/explanations/{subject_type}/{subject_id}"
    return await client.get(path, params=params, headers=headers)


async def test_an_alliance_explanation_names_every_expected_indicator(client, reader, world):
    snapshot = world["snapshot"]
    response = await _explain(client, reader, snapshot["id"], "alliance", world["a"]["id"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["snapshot_id"] == snapshot["id"]
    assert (body["subject_type"], body["subject_id"], body["as_of"]) == ("alliance", world["a"]["id"], AS_OF)
    assert body["knowledge_cutoff"].replace("Z", "+00:00") == snapshot["input_watermark"]["known_at"]
    assert [axis["axis"] for axis in body["axes"]] == ["performance", "innovation", "trust"]
    performance = body["axes"][0]
    assert performance["score"] == 70.0
    assert performance["coverage"] == 0.666667
    assert performance["coverage_threshold"] == 0.5
    assert performance["flags"] == []
    by_code = {indicator["code"]: indicator for indicator in performance["indicators"]}
    assert sorted(by_code) == ["EMP", "LATE", "PCT", "RAW"]
    emp = by_code["EMP"]
    observed = world["observed"]
    assert emp["indicator_id"] == world["indicators"]["EMP"]["id"]
    assert (emp["name"], emp["weight"], emp["rule"]) == ("Emplois", 1.0, "baseline_target")
    assert emp["observation"] == {
        "id": observed["id"],
        "period_start": "2024-06-01",
        "period_end": "2024-06-30",
        "value": 4.0,
        "status": observed["status"],
        "revision": 1,
        "recorded_at": observed["recorded_at"],
    }
    assert (emp["reason"], emp["missing_fields"], emp["score"], emp["contribution"]) == (None, [], 40.0, 10.0)
    assert (by_code["PCT"]["rule"], by_code["PCT"]["score"], by_code["PCT"]["contribution"]) == (
        "percentage_default",
        80.0,
        60.0,
    )
    raw = by_code["RAW"]
    assert (raw["rule"], raw["reason"], raw["score"], raw["contribution"]) == (
        "unscorable",
        "unscorable",
        None,
        None,
    )
    assert raw["missing_fields"] == ["baseline_value", "target_value", "worst", "best"]
    late = by_code["LATE"]
    assert (late["observation"], late["reason"], late["score"]) == (None, "only_values_after_as_of", None)
    assert sum(i["contribution"] or 0 for i in performance["indicators"]) == performance["score"]

    previous = performance["previous"]
    assert previous["as_of"] == "2024-01-01"
    assert (previous["score"], previous["coverage"], previous["flags"]) == (
        None,
        0.166667,
        ["insufficient_coverage"],
    )
    before = {indicator["code"]: indicator for indicator in previous["indicators"]}
    assert before["EMP"]["observation"]["period_end"] == "2023-06-30"
    assert (before["EMP"]["score"], before["EMP"]["contribution"]) == (20.0, 20.0)
    assert before["PCT"]["reason"] == "only_values_after_as_of"  # its one value ends 2024-09-30
    assert before["LATE"]["reason"] == "only_values_after_as_of"
    # The other axes have no indicator: not measured, nothing listed.
    assert body["axes"][1]["indicators"] == [] and body["axes"][1]["flags"] == ["not_measured"]


async def test_a_group_lists_its_alliances_counted_or_not(client, reader, world):
    snapshot_id = world["snapshot"]["id"]
    body = (await _explain(client, reader, snapshot_id, "catalyst", world["catalyst"]["id"])).json()
    performance = body["axes"][0]
    assert (performance["score"], performance["n_alliances"], performance["n_scored"]) == (70.0, 2, 1)
    listed = {entry["name"]: entry for entry in performance["alliances"]}
    assert listed["Alliance A"] == {
        "alliance_id": world["a"]["id"],
        "name": "Alliance A",
        "score": 70.0,
        "counted": True,
        "reason": None,
    }
    assert (listed["Alliance B"]["counted"], listed["Alliance B"]["reason"]) == (False, "not_active_at_as_of")
    assert (listed["Alliance C"]["score"], listed["Alliance C"]["reason"]) == (None, "axis_null")
    assert [entry["alliance_id"] for entry in performance["alliances"]] == sorted(
        entry["alliance_id"] for entry in performance["alliances"]
    )

    company = (await _explain(client, reader, snapshot_id, "actor_type", "company")).json()
    entries = {entry["name"]: entry["reason"] for entry in company["axes"][0]["alliances"]}
    assert entries == {"Alliance A": "member_not_active_at_as_of", "Alliance C": "axis_null"}

    everything = (await _explain(client, reader, snapshot_id, "all", "all", axis="performance")).json()
    assert everything["subject_id"] is None
    assert [axis["axis"] for axis in everything["axes"]] == ["performance"]
    assert {entry["name"] for entry in everything["axes"][0]["alliances"]} == {
        "Alliance A",
        "Alliance B",
        "Alliance C",
    }


async def test_every_score_row_has_its_explanation(client, reader, world):
    snapshot_id = world["snapshot"]["id"]
    rows = (await client.get(f"/v1/snapshots/{snapshot_id}/scores?limit=500", headers=reader)).json()["items"]
    for row in rows:
        subject_id = row["subject_id"] if row["subject_id"] is not None else "all"
        response = await _explain(
            client, reader, snapshot_id, row["subject_type"], subject_id, axis=row["axis"]
        )
        assert response.status_code == 200, (row, response.text)
        (axis,) = response.json()["axes"]
        assert axis["score"] == row["score"]


async def test_unknown_snapshots_subjects_and_parameters_are_refused(client, reader, world):
    snapshot_id = world["snapshot"]["id"]
    unknown = "00000000-0000-0000-0000-000000000000"
    for response in (
        await _explain(client, reader, unknown, "alliance", world["a"]["id"]),
        await _explain(client, reader, snapshot_id, "alliance", world["b"]["id"]),  # not active at T
        await _explain(client, reader, snapshot_id, "all", "everything"),
        await _explain(client, reader, snapshot_id, "domain", "nothing"),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert (
        await _explain(client, reader, snapshot_id, "alliance", world["a"]["id"], x="1")
    ).status_code == 400
    assert (
        await _explain(client, reader, snapshot_id, "alliance", world["a"]["id"], axis="beauty")
    ).status_code in (400, 422)
    latest = await _explain(client, reader, "latest", "alliance", world["a"]["id"])
    by_id = await _explain(client, reader, snapshot_id, "alliance", world["a"]["id"])
    assert latest.content == by_id.content
    assert by_id.headers["etag"] == f'"{world["snapshot"]["content_hash"]}"'


async def test_the_json_export_can_carry_the_explanations(client, reader, world):
    snapshot_id = world["snapshot"]["id"]
    plain = (await client.get(f"/v1/snapshots/{snapshot_id}/export", headers=reader)).json()
    explained = (
        await client.get(f"/v1/snapshots/{snapshot_id}/export?include=explanations", headers=reader)
    ).json()
    assert [{k: v for k, v in row.items() if k != "explanation"} for row in explained] == plain
    for row in explained:
        assert row["explanation"]["axis"] == row["axis"]
        assert row["explanation"]["score"] == row["score"]
    refused = await client.get(
        f"/v1/snapshots/{snapshot_id}/export?format=csv&include=explanations", headers=reader
    )
    assert refused.status_code == 422


async def test_recomputing_from_the_snapshots_inputs_gives_the_same_bytes(app, world):
    """Explanations are derived: the snapshot's T, K and methodology give them back, byte for byte."""
    factory = app.state.session_factory
    async with factory() as session:
        snapshot = await session.get(Snapshot, __import__("uuid").UUID(world["snapshot"]["id"]))
        stored = (
            (
                await session.execute(
                    select(SnapshotExplanation)
                    .where(SnapshotExplanation.snapshot_id == snapshot.id)
                    .order_by(SnapshotExplanation.id)
                )
            )
            .scalars()
            .all()
        )
        methodology = await get_methodology(session, snapshot.methodology_version)
    from datetime import datetime

    known_at = datetime.fromisoformat(snapshot.input_watermark["known_at"])
    loaded = await load_input(
        factory, snapshot.as_of, known_at, config_of(methodology), methodology.config_hash, explain=True
    )
    recomputed = score_all(loaded.scoring, config_of(methodology)).explanations
    assert [(e.subject_type, e.subject_id, (e.performance, e.innovation, e.trust)) for e in stored] == [
        (subject_type, subject_id, tuple(documents)) for subject_type, subject_id, documents in recomputed
    ]
    assert orjson.loads(stored[0].performance)["axis"] == "performance"
