"""API3:2023 Broken Object Property Level Authorization.

Two halves. Excessive data exposure: no response of any GET operation, JSON or CSV, carries a
secret (an API key, a key's stored hash, a webhook's signing secret) or an internal column.
Mass assignment: a field a client may read but not write (ids, timestamps, revisions, owners,
secrets) is refused in every request body with a 422 that names it, and nothing is written.
"""

import hashlib
import json
import uuid

import pytest
from pydantic import BaseModel

from tests.security.support import (
    PUBLIC_WEBHOOK_URL,
    VALID_BODIES,
    assert_problem,
    build_world,
    changed,
    csv_file,
    error_locs,
    fill_path,
    operations,
    publish_and_preview,
    stored_rows,
)

# Columns that exist in the database and must never be shown or set through the API.
INTERNAL_FIELDS = {"key_hash", "deleted_at", "created_by_catalyst_id", "updated_by"}
# Names no response may use at all: secrets are shown once, by the creation responses only.
FORBIDDEN_RESPONSE_FIELDS = INTERNAL_FIELDS | {"key", "secret", "password", "token", "owner", "request_hash"}


def _field_names(value) -> set[str]:
    if isinstance(value, dict):
        names = set(value)
        for item in value.values():
            names |= _field_names(item)
        return names
    if isinstance(value, list):
        return set().union(*(_field_names(item) for item in value)) if value else set()
    return set()


@pytest.fixture
async def populated(app, client, staff, make_key):
    """Every kind of object, a published snapshot and a preview included, and every secret
    handed out."""
    world = await build_world(client, staff, make_key)
    webhook = await client.post(
        "/v1/webhooks", json={"url": PUBLIC_WEBHOOK_URL, "events": ["aggregation_job.failed"]}, headers=staff
    )
    api_key = await client.post("/v1/api-keys", json={"name": "tierce", "scope": "read"}, headers=staff)
    assert webhook.status_code == api_key.status_code == 201
    job, preview = await publish_and_preview(app, client, staff)
    keys = [
        headers["Authorization"].removeprefix("Bearer ") for headers in (staff, world.a.key, world.b.key)
    ] + [api_key.json()["key"]]
    secrets = keys + [hashlib.sha256(key.encode()).hexdigest() for key in keys]
    webhook_secret = webhook.json()["secret"]
    secrets += [webhook_secret, webhook_secret.removeprefix("whsec_")]
    values = world.path_values() | {
        "webhook_id": webhook.json()["id"],
        "api_key_id": api_key.json()["id"],
        "job_id": job["id"],
        "snapshot_id": job["snapshot_id"],
        "other_id": "latest",
        "preview_id": preview["id"],
    }
    return world, values, secrets


async def test_no_response_shows_a_secret_or_an_internal_field(app, client, staff, populated):
    _, values, secrets = populated
    reads = [op for op in operations(app) if op.method == "GET" and op.scope != "public"]
    fetched = set()
    for operation in reads:
        path = fill_path(operation.path, values)
        variants = [{}] + ([{"format": "csv"}] if "format" in operation.query_parameters else [])
        for params in variants:
            response = await client.get(path, params=params, headers=staff)
            assert response.status_code == 200, (str(operation), params, response.text)
            leaked = [secret for secret in secrets if secret in response.text]
            assert leaked == [], (str(operation), params)
            if "json" in response.headers["content-type"]:
                shown = _field_names(response.json()) & FORBIDDEN_RESPONSE_FIELDS
                assert shown == set(), (str(operation), shown)
        fetched.add(operation.name)
    assert fetched == {operation.name for operation in reads}
    # The scan was not of empty lists: every key and the webhook were there to leak.
    listed_keys = (await client.get("/v1/api-keys", headers=staff)).json()["items"]
    assert len(listed_keys) == 4
    assert len((await client.get("/v1/webhooks", headers=staff)).json()["items"]) == 1


def _read_only_fields(operation) -> set[str]:
    """What the operation's answer shows but its body does not take, and the internal columns."""
    shown = set()
    if isinstance(operation.response_model, type) and issubclass(operation.response_model, BaseModel):
        shown = set(operation.response_model.model_fields)
    return (shown | INTERNAL_FIELDS) - set(operation.body_model.model_fields)


def _sample(field: str):
    """A plausible value for the field: it must be refused for its name, whatever its value."""
    if field.endswith(("_at", "_on")):
        return "2000-01-01T00:00:00Z"
    if field == "id" or field.endswith(("_id", "_by")):
        return str(uuid.uuid4())
    if field in ("revision", "version", "progress", "attempts"):
        return 7
    return "valeur imposée"


def test_the_read_only_fields_include_every_owner_and_secret(app):
    pairs = {
        (operation.name, field)
        for operation in operations(app)
        if operation.has_json_body
        for field in _read_only_fields(operation)
    }
    assert {
        ("create_organisation", "created_by_catalyst_id"),
        ("update_indicator", "alliance_id"),
        ("update_indicator", "revision"),
        ("update_member", "alliance_id"),
        ("update_member", "organisation_id"),
        ("record_observation", "recorded_by"),
        ("record_observation", "indicator_id"),
        ("create_api_key", "key"),
        ("create_api_key", "key_hash"),
        ("create_api_key", "prefix"),
        ("create_api_key", "revoked_at"),
        ("create_webhook", "secret"),
        ("update_webhook", "disabled_reason"),
        ("update_territory", "code"),
        ("create_aggregation_job", "status"),
        ("create_methodology", "config_hash"),
        ("update_catalyst", "id"),
    } <= pairs
    assert len(pairs) >= 100


async def test_read_only_fields_are_refused_by_name_on_every_write_and_nothing_is_written(
    app, client, staff, make_key
):
    world = await build_world(client, staff, make_key)
    webhook = await client.post(
        "/v1/webhooks", json={"url": PUBLIC_WEBHOOK_URL, "events": ["snapshot.published"]}, headers=staff
    )
    values = world.path_values() | {"webhook_id": webhook.json()["id"]}
    before = await stored_rows(app)
    accepted = []
    for operation in [op for op in operations(app) if op.has_json_body]:
        assert operation.name in VALID_BODIES, f"add a valid body for {operation} to VALID_BODIES"
        path = fill_path(operation.path, values)
        for field in sorted(_read_only_fields(operation)):
            body = VALID_BODIES[operation.name](world) | {field: _sample(field)}
            response = await client.request(operation.method, path, json=body, headers=staff)
            problem = response.json()
            # Exactly this field, and nothing else in the body, is what is wrong.
            if (response.status_code, error_locs(response)) != (422, [["body", field]]):
                accepted.append((str(operation), field, response.status_code, problem))
            elif problem["errors"][0]["code"] != "extra_forbidden":
                accepted.append((str(operation), field, problem["errors"][0]["code"]))
    assert accepted == []
    assert changed(before, await stored_rows(app)) == []


async def test_read_only_fields_are_refused_in_batches_and_csv_imports(app, client, staff, make_key):
    world = await build_world(client, staff, make_key)
    before = await stored_rows(app)
    item = {"indicator_id": world.a.indicator["id"], "period": "2030", "value": 1}
    for field, value in (
        ("id", world.b.observation["id"]),
        ("revision", 9),
        ("recorded_by", str(uuid.uuid4())),
        ("recorded_at", "2000-01-01T00:00:00Z"),
    ):
        response = await client.post(
            "/v1/observations/batch", json=[item, item | {field: value}], headers=staff
        )
        assert_problem(response, 422)
        assert error_locs(response) == [["body", 1, field]]
    text = csv_file(f"{world.a.indicator['id']},2030,1,,,").replace("comment", "comment,recorded_by")
    text = text.replace(",,,\n", ",,,x\n")
    response = await client.post(
        "/v1/observations/import", content=text.encode(), headers={**staff, "content-type": "text/csv"}
    )
    problem = assert_problem(response, 422)
    assert error_locs(response) == [["line", 1]]
    assert "recorded_by" in problem["errors"][0]["msg"]
    assert changed(before, await stored_rows(app)) == []


@pytest.mark.parametrize(
    ("path", "body", "secret_field"),
    [
        ("/v1/api-keys", {"name": "clé réessayée", "scope": "read"}, "key"),
        ("/v1/webhooks", {"url": PUBLIC_WEBHOOK_URL, "events": ["snapshot.published"]}, "secret"),
    ],
)
async def test_a_secret_shown_once_is_not_kept_for_a_retried_request(
    app, client, staff, path, body, secret_field
):
    """A retry with the same Idempotency-Key must not show the secret a second time, and the
    stored answer of the first request must not hold it: API keys are stored only as hashes."""
    headers = {**staff, "Idempotency-Key": f"secret-{secret_field}"}
    first = await client.post(path, json=body, headers=headers)
    assert first.status_code == 201
    secret = first.json()[secret_field]

    retry = await client.post(path, json=body, headers=headers)
    problem = assert_problem(retry, 409)
    assert problem["type"] == "/problems/idempotency-secret-not-replayed"
    assert retry.headers["location"] == first.headers["location"]
    assert secret not in retry.text
    # Acted once.
    listing = (await client.get(f"{path}?limit=500", headers=staff)).json()["items"]
    assert [item["id"] for item in listing].count(first.json()["id"]) == 1
    assert len(listing) == (2 if path == "/v1/api-keys" else 1)  # the staff key, and this one
    rows = await stored_rows(app)
    assert secret not in json.dumps(rows["idempotency_records"])
    if secret_field == "key":
        assert secret not in json.dumps(rows)
