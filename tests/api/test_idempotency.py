import hashlib
import json
from datetime import timedelta

from sqlalchemy import inspect, update

from services.core.clock import utcnow
from services.core.db import session_scope
from services.core.idempotency.models import IdempotencyRecord
from services.core.idempotency.service import claim, request_fingerprint
from tests.api.factories import catalyst_payload, create_alliance, create_catalyst


async def _count_catalysts(client, headers) -> int:
    return len((await client.get("/v1/catalysts?limit=500", headers=headers)).json()["items"])


async def test_a_retry_gets_the_first_response_and_acts_once(client, staff):
    payload = catalyst_payload(name="Une seule fois")
    headers = {**staff, "Idempotency-Key": "create-once"}
    first = await client.post("/v1/catalysts", json=payload, headers=headers)
    second = await client.post("/v1/catalysts", json=payload, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _count_catalysts(client, staff) == 1


async def test_the_same_key_with_another_body_is_refused(client, staff):
    headers = {**staff, "Idempotency-Key": "reused"}
    await client.post("/v1/catalysts", json=catalyst_payload(name="A"), headers=headers)
    other = await client.post("/v1/catalysts", json=catalyst_payload(name="B"), headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in other.json()["detail"]
    assert await _count_catalysts(client, staff) == 1


async def test_a_key_still_in_flight_gets_409(app, client, staff):
    payload = catalyst_payload(name="En cours")
    owner = hashlib.sha256(staff["Authorization"][7:].encode()).hexdigest()
    body = json.dumps(payload).encode()
    fingerprint = request_fingerprint("POST", "/v1/catalysts", "", body)
    first_claim = await claim(app.state.session_factory, owner, "in-flight", fingerprint)
    assert first_claim.record_id is not None
    response = await client.post(
        "/v1/catalysts",
        content=body,
        headers={**staff, "Idempotency-Key": "in-flight", "content-type": "application/json"},
    )
    assert response.status_code == 409
    assert await _count_catalysts(client, staff) == 0


async def test_keys_are_scoped_per_api_key(client, staff, make_key):
    other_staff = await make_key("staff", name="other staff")
    payload = catalyst_payload(name="Deux clés")
    first = await client.post("/v1/catalysts", json=payload, headers={**staff, "Idempotency-Key": "k"})
    second = await client.post("/v1/catalysts", json=payload, headers={**other_staff, "Idempotency-Key": "k"})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert await _count_catalysts(client, staff) == 2


async def test_validation_errors_are_replayed_but_nothing_is_written(client, staff):
    headers = {**staff, "Idempotency-Key": "bad-body"}
    bad = catalyst_payload(latitude=123)
    first = await client.post("/v1/catalysts", json=bad, headers=headers)
    second = await client.post("/v1/catalysts", json=bad, headers=headers)
    assert first.status_code == second.status_code == 422
    assert first.json() == second.json()
    assert await _count_catalysts(client, staff) == 0


async def _age_records(app, hours: float) -> None:
    async with session_scope(app.state.session_factory) as session:
        await session.execute(update(IdempotencyRecord).values(created_at=utcnow() - timedelta(hours=hours)))


async def test_records_are_kept_a_day_then_purged(app, client, staff):
    payload = catalyst_payload(name="Retenue")
    headers = {**staff, "Idempotency-Key": "day"}
    first = await client.post("/v1/catalysts", json=payload, headers=headers)
    await _age_records(app, 23)
    replay = await client.post("/v1/catalysts", json=payload, headers=headers)
    assert replay.json()["id"] == first.json()["id"]
    await _age_records(app, 49)
    fresh = await client.post("/v1/catalysts", json=payload, headers=headers)
    assert fresh.status_code == 201
    assert fresh.json()["id"] != first.json()["id"]


async def test_batches_are_idempotent_too(client, staff):
    catalyst = await create_catalyst(client, staff)
    alliance = await create_alliance(client, staff, [catalyst["id"]])
    indicator = (
        await client.post(
            f"/v1/alliances/{alliance['id']}/indicators",
            json={"code": "I1", "name": "Emplois", "calculation_method": "Somme", "axis": "performance"},
            headers=staff,
        )
    ).json()
    items = [{"indicator_id": indicator["id"], "period": "2024-01", "value": 3}]
    headers = {**staff, "Idempotency-Key": "batch-1"}
    first = await client.post("/v1/observations/batch", json=items, headers=headers)
    items_again = [{"indicator_id": indicator["id"], "period": "2024-01", "value": 3}]
    second = await client.post("/v1/observations/batch", json=items_again, headers=headers)
    assert first.json()["created"] == 1
    assert second.json() == first.json()
    history = await client.get(f"/v1/observations/{first.json()['items'][0]['id']}/history", headers=staff)
    assert len(history.json()["items"]) == 1


async def test_a_malformed_key_is_a_400(client, staff):
    response = await client.post(
        "/v1/catalysts", json=catalyst_payload(), headers={**staff, "Idempotency-Key": "x" * 256}
    )
    assert response.status_code == 400
    assert await _count_catalysts(client, staff) == 0


async def _post_cut_short(app, headers: dict[str, str], body: bytes) -> list[dict]:
    """POST half of `body` straight to the ASGI app, then the client's disconnect."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": "/v1/catalysts",
        "raw_path": b"/v1/catalysts",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *((name.lower().encode(), value.encode()) for name, value in headers.items()),
        ],
        "app": app,
    }
    messages = [
        {"type": "http.request", "body": body[: len(body) // 2], "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive():
        # A disconnected client keeps answering `http.disconnect`.
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_a_body_cut_short_by_a_disconnect_is_neither_run_nor_remembered(app, client, staff):
    payload = catalyst_payload(name="Coupée en route")
    body = json.dumps(payload).encode()
    headers = {**staff, "Idempotency-Key": "cut-short"}
    await _post_cut_short(app, headers, body)
    assert await _count_catalysts(client, staff) == 0
    retry = await client.post(
        "/v1/catalysts", content=body, headers={**headers, "content-type": "application/json"}
    )
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert retry.json()["name"] == "Coupée en route"
    assert await _count_catalysts(client, staff) == 1


async def test_the_purge_of_old_records_reads_an_index(app):
    # The purge (service.claim) runs on every keyed POST and filters on created_at alone.
    async with app.state.engine.connect() as connection:
        indexes = await connection.run_sync(
            lambda sync: inspect(sync).get_indexes(IdempotencyRecord.__tablename__)
        )
    assert ["created_at"] in [index["column_names"] for index in indexes]
