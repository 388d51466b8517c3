"""OBSERVATOIRE_PUBLIC_READ: the published data is read without a key when the operator opens
it; every other route, and every request that presents a key, is answered as before."""

import pytest

from services.core.auth.principal import ANONYMOUS
from services.core.config import Settings
from tests.api.factories import create_alliance, create_catalyst
from tests.log_capture import captured_json_logs
from tests.security.support import PROBLEM, assert_problem, fill_path, operations

# What public read opens: published snapshots, the registry's territories, catalysts, map and
# alliances (not their members, indicators or observations), the code lists and the methods.
OPENED = {
    ("GET", "/v1/vocabularies"),
    ("GET", "/v1/territories"),
    ("GET", "/v1/territories/{code}"),
    ("GET", "/v1/catalysts"),
    ("GET", "/v1/catalysts/{catalyst_id}"),
    ("GET", "/v1/map/catalysts"),
    ("GET", "/v1/alliances"),
    ("GET", "/v1/alliances/{alliance_id}"),
    ("GET", "/v1/methodologies"),
    ("GET", "/v1/methodologies/{version}"),
    ("GET", "/v1/snapshots"),
    ("GET", "/v1/snapshots/{snapshot_id}"),
    ("GET", "/v1/snapshots/{snapshot_id}/scores"),
    ("GET", "/v1/snapshots/{snapshot_id}/export"),
    ("GET", "/v1/snapshots/{snapshot_id}/compare/{other_id}"),
    ("GET", "/v1/snapshots/{snapshot_id}/explanations/{subject_type}/{subject_id}"),
}
UNKNOWN_KEY = {"Authorization": "Bearer obs_" + "u" * 43}


@pytest.fixture
async def published(app, client, staff) -> dict[str, str]:
    """A catalyst, an alliance and a published snapshot: values for every opened path."""
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    job = await client.post("/v1/aggregation-jobs", json={"as_of": "2024-12-31"}, headers=staff)
    assert job.status_code == 202, job.text
    await app.state.jobs.drain()
    snapshot = (await client.get("/v1/snapshots/latest", headers=staff)).json()
    return {
        "code": "FR-94",
        "version": "1",
        "catalyst_id": catalyst["id"],
        "alliance_id": alliance["id"],
        "snapshot_id": snapshot["id"],
        "other_id": "latest",
        "subject_type": "alliance",
        "subject_id": alliance["id"],
    }


def _expected_cache_control(path: str) -> str:
    if not path.startswith("/v1/snapshots/"):
        return "private, no-cache"
    if "{other_id}" in path:  # compared with `latest` in these requests
        return "public, max-age=5"
    return "public, max-age=31536000, immutable"


@pytest.fixture
def access_lines():
    """The access log lines written during the test, by request id."""
    with captured_json_logs() as logs:
        yield lambda: {
            line["request_id"]: line for line in logs.lines() if line.get("logger") == "observatoire.access"
        }


def test_public_read_is_off_unless_the_operator_turns_it_on(monkeypatch):
    monkeypatch.delenv("OBSERVATOIRE_PUBLIC_READ", raising=False)
    assert Settings().public_read is False
    monkeypatch.setenv("OBSERVATOIRE_PUBLIC_READ", "true")
    assert Settings().public_read is True


def test_the_anonymous_reader_can_neither_write_nor_act_as_staff():
    assert ANONYMOUS.is_anonymous and ANONYMOUS.key_id is None and ANONYMOUS.catalyst_id is None
    assert not ANONYMOUS.can_write and not ANONYMOUS.is_staff
    assert not ANONYMOUS.speaks_for([])


def test_public_read_opens_exactly_the_published_data(app):
    opened = {
        (operation.method, operation.path) for operation in operations(app) if operation.opened_by_public_read
    }
    assert opened == OPENED


async def test_with_public_read_every_opened_route_answers_without_a_key(
    open_client, published, access_lines
):
    for number, (method, path) in enumerate(sorted(OPENED)):
        response = await open_client.request(
            method, fill_path(path, published), headers={"X-Request-ID": f"anonymous-{number}"}
        )
        assert response.status_code == 200, (path, response.text)
        # Anonymous answers say nothing about keys. Published snapshots named by id never
        # change: any cache may keep them; the registry's answers are kept by no shared cache.
        assert "www-authenticate" not in response.headers
        assert response.headers["cache-control"] == _expected_cache_control(path), path
    logged = access_lines()
    assert [logged[f"anonymous-{number}"]["api_key_id"] for number in range(len(OPENED))] == [None] * len(
        OPENED
    )


async def test_with_public_read_every_other_route_still_needs_a_key(app, open_client, published):
    others = [
        operation
        for operation in operations(app)
        if operation.scope != "public" and (operation.method, operation.path) not in OPENED
    ]
    # The writes on opened paths, members, indicators, observations, organisations, jobs,
    # webhooks and keys: at least all of those.
    assert {"organisations", "members", "indicators", "observations", "aggregation-jobs", "webhooks"} <= {
        segment for operation in others for segment in operation.path.split("/")
    }
    assert any(operation.path == "/v1/api-keys" for operation in others)
    assert len(others) >= 40
    unexpected = {}
    for operation in others:
        response = await open_client.request(operation.method, fill_path(operation.path, published))
        body = response.json() if response.headers.get("content-type") == PROBLEM else {}
        if (response.status_code, body.get("type")) != (401, "/problems/unauthorized"):
            unexpected[str(operation)] = (response.status_code, response.text[:200])
    assert unexpected == {}


@pytest.mark.parametrize(
    "credentials",
    [UNKNOWN_KEY, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Basic b2JzXzE6"}],
    ids=["unknown key", "empty header", "bearer without token", "another scheme"],
)
async def test_with_public_read_a_presented_key_is_still_checked(client, open_client, published, credentials):
    """A client sending a wrong key must learn it: the usual 401, byte for byte, not an
    anonymous answer."""
    path = fill_path("/v1/catalysts/{catalyst_id}", published)
    refused = await open_client.get(path, headers=credentials)
    with_public_read_off = await client.get(path, headers=credentials)

    assert_problem(refused, 401)
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.content == with_public_read_off.content


async def test_with_public_read_a_valid_key_is_used_and_logged(open_client, reader, published, access_lines):
    response = await open_client.get("/v1/snapshots/latest", headers={**reader, "X-Request-ID": "with-key"})
    assert response.status_code == 200
    assert access_lines()["with-key"]["api_key_id"] is not None


async def test_without_public_read_the_published_data_needs_a_key(client, published):
    for method, path in sorted(OPENED):
        response = await client.request(method, fill_path(path, published))
        assert_problem(response, 401)


def test_the_document_keeps_the_key_and_says_when_none_is_needed(app):
    document = app.openapi()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            # Generated with public read off: every opened operation still asks for a key.
            if (method.upper(), path) in OPENED:
                assert operation["security"] == [{"HTTPBearer": []}], path
                assert "OBSERVATOIRE_PUBLIC_READ" in operation["description"], path
            else:
                assert "OBSERVATOIRE_PUBLIC_READ" not in operation.get("description", ""), path
