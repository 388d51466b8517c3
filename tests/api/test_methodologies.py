from services.core.scoring.config import MethodologyConfig


async def test_version_1_holds_the_published_defaults(client, reader):
    response = await client.get("/v1/methodologies/1", headers=reader)
    assert response.status_code == 200
    body = response.json()
    assert body["config"] == {
        "coverage_threshold": 0.5,
        "lookback_days": {"performance": 1095, "innovation": 1825, "trust": 1825},
        "trend_lag_days": 365,
        "mc_draws": 200,
        "mc_noise": 0.25,
        "min_group_size": 1,
    }
    assert body["config_hash"] == MethodologyConfig().sha256()


async def test_staff_create_a_new_version_from_partial_config(client, staff, reader):
    response = await client.post(
        "/v1/methodologies",
        json={"description": "Seuil relevé", "config": {"coverage_threshold": 0.75, "min_group_size": 3}},
        headers=staff,
    )
    assert response.status_code == 201
    created = response.json()
    assert created["version"] == 2
    assert response.headers["location"] == "/v1/methodologies/2"
    assert created["config"]["coverage_threshold"] == 0.75
    assert created["config"]["mc_draws"] == 200
    assert created["config_hash"] != MethodologyConfig().sha256()
    versions = (await client.get("/v1/methodologies", headers=reader)).json()["items"]
    assert [v["version"] for v in versions] == [1, 2]
    assert (await client.post("/v1/methodologies", json={"config": {}}, headers=reader)).status_code == 403


async def test_invalid_configs_are_refused_naming_the_field(client, staff):
    for config, field in (
        ({"coverage_threshold": 1.5}, "coverage_threshold"),
        ({"mc_noise": -0.1}, "mc_noise"),
        ({"unknown": 1}, "unknown"),
        ({"lookback_days": {"trust": 0}}, "lookback_days"),
    ):
        response = await client.post("/v1/methodologies", json={"config": config}, headers=staff)
        assert response.status_code == 422, config
        assert any(field in error["loc"] for error in response.json()["errors"]), response.json()
    assert [v["version"] for v in (await client.get("/v1/methodologies", headers=staff)).json()["items"]] == [
        1
    ]


async def test_a_description_longer_than_its_column_is_422_not_500(client, staff):
    """The column holds 2,000 characters: PostgreSQL refused a longer one the schema let through."""
    too_long = await client.post(
        "/v1/methodologies", json={"description": "d" * 2001, "config": {}}, headers=staff
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["loc"] == ["body", "description"]
    longest = await client.post(
        "/v1/methodologies", json={"description": "d" * 2000, "config": {}}, headers=staff
    )
    assert longest.status_code == 201
    assert longest.json()["description"] == "d" * 2000


async def test_a_job_uses_the_version_it_names(app, client, staff):
    await client.post("/v1/methodologies", json={"config": {"mc_draws": 10}}, headers=staff)
    job = (
        await client.post(
            "/v1/aggregation-jobs", json={"as_of": "2024-12-31", "methodology_version": 2}, headers=staff
        )
    ).json()
    assert job["methodology_version"] == 2
    await app.state.jobs.drain()
    snapshot = (await client.get("/v1/snapshots/latest", headers=staff)).json()
    assert snapshot["methodology_version"] == 2
    assert (
        snapshot["methodology_hash"]
        == (await client.get("/v1/methodologies/2", headers=staff)).json()["config_hash"]
    )
    unknown = await client.post("/v1/aggregation-jobs", json={"methodology_version": 9}, headers=staff)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "methodology_version"]


async def test_the_latest_version_is_the_default(app, client, staff):
    await client.post("/v1/methodologies", json={"config": {"mc_draws": 10}}, headers=staff)
    job = (await client.post("/v1/aggregation-jobs", json={}, headers=staff)).json()
    assert job["methodology_version"] == 2
