"""API2:2023 Broken Authentication.

Whatever is wrong with a credential (missing, malformed, unknown, revoked, another scheme),
the answer is the same 401, byte for byte, with the same headers but for those that change
with every request: it must not tell a key that exists from one that does not. Every operation
but the probes needs a key, and a dead key cannot reach a stored answer through an
Idempotency-Key either.
"""

import base64
import hashlib

from tests.api.factories import alliance_payload, catalyst_payload, create_alliance, create_catalyst
from tests.api.indicator_factories import key_id
from tests.security.support import PROBLEM, assert_problem, fill_path, operations

# Headers that differ from one request to the next whatever the credential.
PER_REQUEST_HEADERS = {"date", "x-request-id", "ratelimit-remaining", "ratelimit-reset"}
# No key needed: the load balancer's probes, what the caller may do (/v1/access, which still
# checks a key that is sent), the documentation pages and the metrics scrape (which has its
# own token, settings.metrics_token).
PUBLIC_PATHS = {
    "/v1/health",
    "/v1/ready",
    "/v1/access",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/metrics",
}


async def _bad_credentials(client, staff, make_key) -> dict[str, dict]:
    revoked = await make_key("staff", name="revoked")
    response = await client.delete(f"/v1/api-keys/{await key_id(client, staff, revoked)}", headers=staff)
    assert response.status_code == 200
    # Deleting a catalyst revokes its write keys.
    catalyst = await create_catalyst(client, staff)
    orphan = await make_key("write", catalyst_id=catalyst["id"], name="orphan")
    assert (await client.delete(f"/v1/catalysts/{catalyst['id']}", headers=staff)).status_code == 204

    valid = staff["Authorization"].removeprefix("Bearer ")
    return {
        "missing": {},
        "empty header": {"Authorization": ""},
        "bearer without token": {"Authorization": "Bearer"},
        "bearer with a blank token": {"Authorization": "Bearer "},
        "bearer with blanks": {"Authorization": "Bearer   "},
        "unknown key": {"Authorization": "Bearer obs_" + "x" * 43},
        "not a key": {"Authorization": "Bearer notakey"},
        "revoked key": revoked,
        "key of a deleted catalyst": orphan,
        "valid key without a scheme": {"Authorization": valid},
        "valid key under basic": {
            "Authorization": "Basic " + base64.b64encode(f"{valid}:".encode()).decode()
        },
        "valid key under another scheme": {"Authorization": f"Token {valid}"},
        "the stored hash of a valid key": {
            "Authorization": "Bearer " + hashlib.sha256(valid.encode()).hexdigest()
        },
        "the shown prefix of a valid key": {"Authorization": "Bearer " + valid[:12]},
        "valid key less its last character": {"Authorization": f"Bearer {valid[:-1]}"},
        "valid key and one more character": {"Authorization": f"Bearer {valid}x"},
        "valid key in upper case": {"Authorization": f"Bearer {valid.upper()}"},
        "two keys": {"Authorization": f"Bearer {valid}, Bearer {valid}"},
        "very long key": {"Authorization": "Bearer obs_" + "x" * 8000},
        "non-ascii key": {"Authorization": ("Bearer obs_" + "é" * 20).encode()},
    }


def _comparable_headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in PER_REQUEST_HEADERS}


async def test_every_bad_credential_gets_the_same_401_on_every_kind_of_operation(client, staff, make_key):
    variants = await _bad_credentials(client, staff, make_key)
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    requests = [
        ("GET", "/v1/catalysts", {}),  # read
        ("GET", "/v1/api-keys", {}),  # staff only
        ("POST", "/v1/alliances", {"json": alliance_payload([catalyst["id"]])}),
        ("PATCH", f"/v1/catalysts/{catalyst['id']}", {"json": {"name": "X"}}),
        ("DELETE", f"/v1/alliances/{alliance['id']}", {}),
        ("POST", "/v1/observations/batch", {"json": []}),  # a body read by hand
        ("POST", "/v1/catalysts", {"json": catalyst_payload(), "headers": {"Idempotency-Key": "k-1"}}),
    ]
    for method, path, options in requests:
        answers = {}
        for name, credentials in variants.items():
            headers = {**options.get("headers", {}), **credentials}
            response = await client.request(method, path, json=options.get("json"), headers=headers)
            assert response.status_code == 401, (name, method, path, response.text)
            answers[name] = (response.content, _comparable_headers(response))
        distinct = {repr(answer) for answer in answers.values()}
        assert len(distinct) == 1, (method, path, answers)
        problem = assert_problem(response, 401)
        assert problem["title"] and problem["detail"] and problem["type"] == "/problems/unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    # The valid key these variants were made from still works: they failed for what they are.
    assert (await client.get("/v1/catalysts", headers=staff)).status_code == 200


async def test_every_operation_but_the_public_ones_answers_401_without_a_valid_key(app, client):
    public = {operation.path for operation in operations(app) if operation.scope == "public"}
    assert public == PUBLIC_PATHS
    values = {
        "code": "FR",
        "version": "1",
        "snapshot_id": "latest",
        "other_id": "latest",
        "subject_type": "alliance",
    }
    guarded = [operation for operation in operations(app) if operation.scope != "public"]
    assert len(guarded) >= 50
    unexpected = {}
    for operation in guarded:
        path = fill_path(operation.path, values)
        missing = await client.request(operation.method, path)
        unknown = await client.request(
            operation.method, path, headers={"Authorization": "Bearer obs_" + "u" * 43}
        )
        for response in (missing, unknown):
            body = response.json() if response.headers.get("content-type") == PROBLEM else {}
            if (response.status_code, body.get("type")) != (401, "/problems/unauthorized"):
                unexpected[str(operation)] = (response.status_code, response.text[:200])
        if missing.content != unknown.content:
            unexpected[str(operation)] = ("missing and unknown keys differ", missing.text, unknown.text)
    assert unexpected == {}


async def test_a_revoked_key_cannot_replay_an_answer_it_got_while_it_was_live(client, staff, make_key):
    """A response stored for an Idempotency-Key belongs to a key: once that key is revoked it
    must get the 401 of any dead key, not the stored answer."""
    soon_revoked = await make_key("staff", name="soon revoked")
    payload = catalyst_payload(name="Créé avant la révocation")
    headers = {**soon_revoked, "Idempotency-Key": "before-revocation"}
    first = await client.post("/v1/catalysts", json=payload, headers=headers)
    assert first.status_code == 201
    revoked_id = await key_id(client, staff, soon_revoked)
    assert (await client.delete(f"/v1/api-keys/{revoked_id}", headers=staff)).status_code == 200

    replay = await client.post("/v1/catalysts", json=payload, headers=headers)
    unknown = await client.post(
        "/v1/catalysts",
        json=payload,
        headers={"Authorization": "Bearer obs_" + "z" * 43, "Idempotency-Key": "before-revocation"},
    )
    assert_problem(replay, 401)
    assert replay.content == unknown.content
    assert "idempotent-replayed" not in replay.headers
    listing = await client.get("/v1/catalysts", headers=staff)
    assert [item["name"] for item in listing.json()["items"]] == [payload["name"]]
