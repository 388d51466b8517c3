"""Webhook subscriptions, and deliveries to a real HTTP receiver on 127.0.0.1."""

import asyncio
import base64
import json
import socket
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from services.core.clock import utcnow
from services.core.db import session_scope
from services.core.outbox.models import OutboxMessage
from services.core.webhooks.delivery import MAX_ATTEMPTS, RETRY_DELAYS, canonical_json, deliver
from services.core.webhooks.events import announce, delivery_job_key
from services.core.webhooks.models import WebhookDelivery
from tests.api.factories import collect, create_catalyst, locs

PUBLIC_URL = "https://93.184.216.34/hooks/observatoire"  # a literal address: no DNS needed
UNKNOWN_ID = "0190f5a0-0000-7000-8000-000000000000"
SNAPSHOT_DATA = {"snapshot_id": "0190f5a0-0000-7000-8000-0000000000aa", "as_of": "2024-06-30", "note": "été"}


# --- A real receiver ------------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A minimal HTTP/1.1 server: records every request, answers with the statuses queued."""

    statuses: list[int] = field(default_factory=lambda: [200])
    extra_headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    requests: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/in"

    def answer(self, *statuses: int, **headers: str) -> None:
        self.statuses = list(statuses)
        self.extra_headers = {name.replace("_", "-"): value for name, value in headers.items()}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {}
            for line in header_lines:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Received(method, path, headers, body))
            if self.hang:
                await asyncio.sleep(3600)
            status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
            extra = "".join(f"{name}: {value}\r\n" for name, value in self.extra_headers.items())
            status_head = f"HTTP/1.1 {status} Status\r\ncontent-length: 2\r\nconnection: close\r\n{extra}\r\n"
            writer.write(status_head.encode() + b"ok")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def receiver():
    state = Receiver()
    handlers: set[asyncio.Task] = set()

    async def on_connection(reader, writer):
        task = asyncio.current_task()
        handlers.add(task)
        try:
            await state.handle(reader, writer)
        finally:
            handlers.discard(task)

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    yield state
    server.close()
    for task in list(handlers):
        task.cancel()
    await server.wait_closed()


# --- Helpers --------------------------------------------------------------------------------------


@pytest.fixture
def allow_private(app, monkeypatch):
    """Let the API accept 127.0.0.1 subscriptions (the receiver's)."""
    monkeypatch.setattr(app.state.settings, "webhook_allow_private", True)


@pytest.fixture
def delivery_settings(app):
    return app.state.settings.model_copy(update={"webhook_allow_private": True, "webhook_timeout_seconds": 5})


async def subscribe(client, staff, url: str, events=("snapshot.published",)) -> dict:
    response = await client.post("/v1/webhooks", json={"url": url, "events": list(events)}, headers=staff)
    assert response.status_code == 201, response.text
    return response.json()


async def publish(app, event_type: str = "snapshot.published", data: dict | None = None) -> int:
    async with session_scope(app.state.session_factory) as session:
        return await announce(session, event_type, data if data is not None else SNAPSHOT_DATA)


async def deliveries_of(app, webhook_id: str) -> list[WebhookDelivery]:
    async with session_scope(app.state.session_factory) as session:
        statement = (
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == uuid.UUID(webhook_id))
            .order_by(WebhookDelivery.id)
        )
        return list((await session.scalars(statement)).all())


async def outbox_row(app, job_key: str) -> OutboxMessage | None:
    async with session_scope(app.state.session_factory) as session:
        return await session.scalar(select(OutboxMessage).where(OutboxMessage.job_key == job_key))


async def delivery_log(client, staff, webhook_id: str) -> list[dict]:
    response = await client.get(f"/v1/webhooks/{webhook_id}/deliveries", headers=staff)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def one_delivery(app, client, staff, receiver) -> tuple[dict, uuid.UUID]:
    """A subscription of the receiver and one announced delivery to it."""
    webhook = await subscribe(client, staff, receiver.url)
    assert await publish(app) == 1
    (delivery,) = await deliveries_of(app, webhook["id"])
    return webhook, delivery.id


# --- Subscriptions --------------------------------------------------------------------------------


async def test_create_shows_the_secret_once(client, staff):
    response = await client.post(
        "/v1/webhooks", json={"url": PUBLIC_URL, "events": ["snapshot.published"]}, headers=staff
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/webhooks/{body['id']}"
    assert response.headers["cache-control"] == "no-store"
    assert set(body) == {"id", "url", "events", "active", "disabled_reason", "created_at", "secret"}
    assert (body["url"], body["events"], body["active"], body["disabled_reason"]) == (
        PUBLIC_URL,
        ["snapshot.published"],
        True,
        None,
    )
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) == 24
    Webhook(body["secret"])  # the package accepts it as is

    one = await client.get(f"/v1/webhooks/{body['id']}", headers=staff)
    assert one.status_code == 200
    assert "secret" not in one.json()
    assert body["secret"].removeprefix("whsec_") not in one.text
    assert one.json() == {k: v for k, v in body.items() if k != "secret"}
    assert one.headers["etag"]

    listing = await client.get("/v1/webhooks", headers=staff)
    assert body["secret"].removeprefix("whsec_") not in listing.text
    assert [item["id"] for item in listing.json()["items"]] == [body["id"]]
    assert all("secret" not in item for item in listing.json()["items"])


async def test_every_secret_is_different(client, staff):
    secrets = {(await subscribe(client, staff, PUBLIC_URL))["secret"] for _ in range(4)}
    assert len(secrets) == 4


async def test_list_is_paginated_oldest_first(client, staff):
    created = [(await subscribe(client, staff, f"{PUBLIC_URL}/{n}"))["id"] for n in range(5)]
    items = await collect(client, "/v1/webhooks", staff, limit=2)
    assert [item["id"] for item in items] == created


async def test_update_and_delete(client, staff):
    webhook = await subscribe(client, staff, PUBLIC_URL)
    path = f"/v1/webhooks/{webhook['id']}"

    both = ["snapshot.published", "aggregation_job.failed"]
    response = await client.patch(path, json={"events": both, "url": PUBLIC_URL + "/v2"}, headers=staff)
    assert response.status_code == 200, response.text
    assert (response.json()["events"], response.json()["url"]) == (both, PUBLIC_URL + "/v2")
    assert "secret" not in response.json()

    stale = response.headers["etag"]
    response = await client.patch(path, json={"active": False}, headers={**staff, "If-Match": stale})
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["disabled_reason"]
    response = await client.patch(path, json={"active": True}, headers={**staff, "If-Match": stale})
    assert response.status_code == 412

    response = await client.patch(path, json={"active": True}, headers=staff)
    assert (response.json()["active"], response.json()["disabled_reason"]) == (True, None)

    for field_name in ("url", "events", "active"):
        response = await client.patch(path, json={field_name: None}, headers=staff)
        assert response.status_code == 422
        assert ["body", field_name] in locs(response)

    # DELETE removes it from the API, as any DELETE does; pausing (active: false) is what keeps
    # a subscription listed with its log.
    assert (await client.delete(path, headers=staff)).status_code == 204
    for response in (
        await client.get(path, headers=staff),
        await client.patch(path, json={"active": True}, headers=staff),
        await client.get(f"{path}/deliveries", headers=staff),
        await client.delete(path, headers=staff),
    ):
        assert response.status_code == 404
    assert webhook["id"] not in [item["id"] for item in await collect(client, "/v1/webhooks", staff)]


async def test_a_url_is_kept_as_written_within_its_limit(client, staff):
    """Normalising this URL percent-escapes its path past the 2,000 characters of the column:
    PostgreSQL refused it with a 500 although the input was within the documented limit."""
    url = PUBLIC_URL + "/" + "é" * (2000 - len(PUBLIC_URL) - 1)
    assert len(url) == 2000
    webhook = await subscribe(client, staff, url)
    assert webhook["url"] == url
    fetched = await client.get(f"/v1/webhooks/{webhook['id']}", headers=staff)
    assert fetched.json()["url"] == url


async def test_unknown_subscription_is_404(client, staff):
    path = f"/v1/webhooks/{UNKNOWN_ID}"
    for response in (
        await client.get(path, headers=staff),
        await client.patch(path, json={"active": False}, headers=staff),
        await client.delete(path, headers=staff),
        await client.get(f"{path}/deliveries", headers=staff),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"url": PUBLIC_URL, "events": []}, ["body", "events"]),
        ({"url": PUBLIC_URL, "events": ["snapshot.deleted"]}, ["body", "events", 0]),
        ({"url": PUBLIC_URL, "events": ["snapshot.published", "snapshot.published"]}, ["body", "events"]),
        ({"url": PUBLIC_URL}, ["body", "events"]),
        ({"url": "ftp://93.184.216.34/x", "events": ["snapshot.published"]}, ["body", "url"]),
        ({"url": "not a url", "events": ["snapshot.published"]}, ["body", "url"]),
        ({"url": PUBLIC_URL + "/" + "x" * 2000, "events": ["snapshot.published"]}, ["body", "url"]),
        ({"url": PUBLIC_URL, "events": ["snapshot.published"], "secret": "whsec_x"}, ["body", "secret"]),
    ],
)
async def test_invalid_subscriptions_are_422(client, staff, payload, loc):
    response = await client.post("/v1/webhooks", json=payload, headers=staff)
    assert response.status_code == 422, response.text
    assert loc in locs(response)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://user:pw@93.184.216.34/",
    ],
)
async def test_unsafe_urls_are_422_naming_url(client, staff, url):
    response = await client.post(
        "/v1/webhooks", json={"url": url, "events": ["snapshot.published"]}, headers=staff
    )
    assert response.status_code == 422, response.text
    assert locs(response) == [["body", "url"]]
    assert response.headers["content-type"] == "application/problem+json"

    webhook = await subscribe(client, staff, PUBLIC_URL)
    response = await client.patch(f"/v1/webhooks/{webhook['id']}", json={"url": url}, headers=staff)
    assert response.status_code == 422
    assert locs(response) == [["body", "url"]]
    assert (await client.get(f"/v1/webhooks/{webhook['id']}", headers=staff)).json()["url"] == PUBLIC_URL


async def test_private_urls_are_accepted_when_the_settings_allow_them(client, staff, allow_private):
    webhook = await subscribe(client, staff, "http://127.0.0.1:9/hook")
    assert webhook["url"] == "http://127.0.0.1:9/hook"


async def test_read_and_write_keys_get_403(client, staff, reader, make_key):
    catalyst = await create_catalyst(client, staff)
    writer = await make_key("write", catalyst_id=catalyst["id"])
    webhook = await subscribe(client, staff, PUBLIC_URL)
    path = f"/v1/webhooks/{webhook['id']}"
    for headers in (reader, writer):
        for method, url, body in (
            ("POST", "/v1/webhooks", {"url": PUBLIC_URL, "events": ["snapshot.published"]}),
            ("GET", "/v1/webhooks", None),
            ("GET", path, None),
            ("PATCH", path, {"active": False}),
            ("DELETE", path, None),
            ("GET", f"{path}/deliveries", None),
        ):
            response = await client.request(method, url, json=body, headers=headers)
            assert response.status_code == 403, (method, url)
    assert (await client.get("/v1/webhooks")).status_code == 401
    assert (await client.get(path, headers=staff)).json()["active"] is True


# --- Deliveries -----------------------------------------------------------------------------------


async def test_delivery_is_signed_and_verifiable(
    app, client, staff, receiver, allow_private, delivery_settings
):
    webhook, delivery_id = await one_delivery(app, client, staff, receiver)

    assert await deliver(app.state.session_factory, delivery_settings, delivery_id) == "succeeded"

    (request,) = receiver.requests
    assert (request.method, request.path) == ("POST", "/hooks/in")
    payload = json.loads(request.body)
    assert payload["type"] == "snapshot.published"
    assert payload["data"] == SNAPSHOT_DATA
    assert set(payload) == {"type", "timestamp", "data"}
    assert request.body == canonical_json(payload).encode()
    # The package's own verifier accepts the body and headers as received.
    assert Webhook(webhook["secret"]).verify(request.body, request.headers) == payload
    assert request.headers["webhook-id"] == str(delivery_id)
    assert abs(int(request.headers["webhook-timestamp"]) - utcnow().timestamp()) < 60
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "Observatoire-Webhooks/1"
    assert request.headers["host"] == f"127.0.0.1:{receiver.port}"
    with pytest.raises(Exception, match="signature"):
        Webhook(webhook["secret"]).verify(request.body.replace(b"2024", b"2025"), request.headers)

    (logged,) = await delivery_log(client, staff, webhook["id"])
    assert logged["id"] == str(delivery_id)
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == ("succeeded", 1, 200)
    assert logged["next_attempt_at"] is None
    assert logged["payload"] == payload
    (attempt,) = logged["attempts_log"]
    assert (attempt["attempt"], attempt["status_code"], attempt["error"]) == (1, 200, None)
    assert attempt["duration_ms"] >= 0

    # A repeated job does nothing more.
    assert await deliver(app.state.session_factory, delivery_settings, delivery_id) == "succeeded"
    assert len(receiver.requests) == 1
    assert len((await delivery_log(client, staff, webhook["id"]))[0]["attempts_log"]) == 1


async def test_events_go_only_to_their_subscribers(app, client, staff, allow_private):
    snapshots = await subscribe(client, staff, "http://127.0.0.1:9/a", events=["snapshot.published"])
    failures = await subscribe(client, staff, "http://127.0.0.1:9/b", events=["aggregation_job.failed"])
    both = await subscribe(
        client, staff, "http://127.0.0.1:9/c", events=["aggregation_job.failed", "snapshot.published"]
    )
    assert await publish(app, "aggregation_job.failed", {"job_id": "x", "error": "boom"}) == 2
    assert [len(await deliveries_of(app, w["id"])) for w in (snapshots, failures, both)] == [0, 1, 1]


async def test_a_failure_is_retried_with_the_same_webhook_id(
    app, client, staff, receiver, allow_private, delivery_settings
):
    receiver.answer(500, 200)
    webhook, delivery_id = await one_delivery(app, client, staff, receiver)

    before = utcnow()
    assert await deliver(app.state.session_factory, delivery_settings, delivery_id) == "pending"
    after = utcnow()
    (delivery,) = await deliveries_of(app, webhook["id"])
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    retry = await outbox_row(app, delivery_job_key(delivery_id, 1))
    assert retry is not None
    assert (retry.task, retry.args) == ("deliver_webhook", [str(delivery_id)])
    # Equal jitter: between half of and the whole scheduled delay.
    assert before + RETRY_DELAYS[0] / 2 <= retry.available_at <= after + RETRY_DELAYS[0]
    assert RETRY_DELAYS[0] == timedelta(seconds=5)
    assert delivery.next_attempt_at == retry.available_at

    (logged,) = await delivery_log(client, staff, webhook["id"])
    assert logged["status"] == "pending"
    assert [(a["attempt"], a["status_code"]) for a in logged["attempts_log"]] == [(1, 500)]
    assert "500" in logged["attempts_log"][0]["error"]

    assert await deliver(app.state.session_factory, delivery_settings, delivery_id) == "succeeded"
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(delivery_id)
    assert first.body == second.body
    for request in (first, second):
        Webhook(webhook["secret"]).verify(request.body, request.headers)

    (logged,) = await delivery_log(client, staff, webhook["id"])
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == ("succeeded", 2, 200)
    assert logged["next_attempt_at"] is None
    assert [(a["attempt"], a["status_code"]) for a in logged["attempts_log"]] == [(1, 500), (2, 200)]
    assert await outbox_row(app, delivery_job_key(delivery_id, 2)) is None


async def test_a_redirect_is_a_failure_and_is_not_followed(
    app, client, staff, receiver, allow_private, delivery_settings
):
    receiver.answer(302, location=f"http://127.0.0.1:{receiver.port}/elsewhere")
    webhook, delivery_id = await one_delivery(app, client, staff, receiver)

    assert await deliver(app.state.session_factory, delivery_settings, delivery_id) == "pending"
    assert [request.path for request in receiver.requests] == ["/hooks/in"]
    (logged,) = await delivery_log(client, staff, webhook["id"])
    (attempt,) = logged["attempts_log"]
    assert attempt["status_code"] == 302
    assert "redirect" in attempt["error"].lower()
    assert await outbox_row(app, delivery_job_key(delivery_id, 1)) is not None


async def test_gone_disables_the_subscription_and_the_delivery(
    app, client, staff, receiver, allow_private, delivery_settings
):
    receiver.answer(410)
    webhook, _ = await one_delivery(app, client, staff, receiver)
    assert await publish(app) == 1  # a second delivery, still pending
    first, second = await deliveries_of(app, webhook["id"])

    assert await deliver(app.state.session_factory, delivery_settings, first.id) == "disabled"
    fetched = (await client.get(f"/v1/webhooks/{webhook['id']}", headers=staff)).json()
    assert fetched["active"] is False
    assert "410" in fetched["disabled_reason"]
    assert await outbox_row(app, delivery_job_key(first.id, 1)) is None

    # The other pending delivery is not sent to a receiver that said it is gone.
    assert await deliver(app.state.session_factory, delivery_settings, second.id) == "disabled"
    assert len(receiver.requests) == 1
    statuses = {item["id"]: item["status"] for item in await delivery_log(client, staff, webhook["id"])}
    assert statuses == {str(first.id): "disabled", str(second.id): "disabled"}
    assert await publish(app) == 0  # no new deliveries to an inactive subscription

    # Reactivating clears the reason; new events are delivered again.
    response = await client.patch(f"/v1/webhooks/{webhook['id']}", json={"active": True}, headers=staff)
    assert (response.json()["active"], response.json()["disabled_reason"]) == (True, None)
    assert await publish(app) == 1


async def test_gives_up_after_eight_attempts(app, client, staff, receiver, allow_private, delivery_settings):
    receiver.answer(503)
    webhook, delivery_id = await one_delivery(app, client, staff, receiver)
    assert MAX_ATTEMPTS == 8
    assert [d.total_seconds() for d in RETRY_DELAYS] == [5, 300, 1800, 7200, 18000, 36000, 36000]

    results = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        before = utcnow()
        results.append(await deliver(app.state.session_factory, delivery_settings, delivery_id))
        retry = await outbox_row(app, delivery_job_key(delivery_id, attempt))
        if attempt < MAX_ATTEMPTS:
            delay = RETRY_DELAYS[attempt - 1]
            assert before + delay / 2 <= retry.available_at <= utcnow() + delay
        else:
            assert retry is None
    assert results == ["pending"] * 7 + ["failed"]

    # A late duplicate of a job sends nothing more.
    assert await deliver(app.state.session_factory, delivery_settings, delivery_id) == "failed"
    assert len(receiver.requests) == MAX_ATTEMPTS
    (logged,) = await delivery_log(client, staff, webhook["id"])
    assert (logged["status"], logged["attempts"], logged["next_attempt_at"]) == ("failed", 8, None)
    assert [a["attempt"] for a in logged["attempts_log"]] == list(range(1, 9))
    assert {a["status_code"] for a in logged["attempts_log"]} == {503}
    # Failing deliveries do not disable the subscription.
    assert (await client.get(f"/v1/webhooks/{webhook['id']}", headers=staff)).json()["active"] is True


async def test_deliveries_failing_together_are_retried_at_spread_times(
    app, client, staff, receiver, allow_private, delivery_settings
):
    receiver.answer(503)
    webhook = await subscribe(client, staff, receiver.url)
    for number in range(20):
        assert await publish(app, data={**SNAPSHOT_DATA, "note": str(number)}) == 1
    deliveries = await deliveries_of(app, webhook["id"])
    assert len(deliveries) == 20
    before = utcnow()
    results = await asyncio.gather(
        *(deliver(app.state.session_factory, delivery_settings, delivery.id) for delivery in deliveries)
    )
    after = utcnow()
    assert results == ["pending"] * 20
    retries = [
        (await outbox_row(app, delivery_job_key(delivery.id, 1))).available_at for delivery in deliveries
    ]
    delay = RETRY_DELAYS[0]
    assert all(before + delay / 2 <= at <= after + delay for at in retries)
    # Twenty uniform draws over 2.5 s: all within one half of it has a probability of 2e-5.
    assert max(retries) - min(retries) > delay / 4
    assert len(set(retries)) == 20


async def test_a_private_address_is_refused_at_delivery_time(
    app, client, staff, receiver, allow_private, delivery_settings
):
    # Accepted when subscribed (private addresses were allowed then), refused when delivering.
    webhook = await subscribe(client, staff, f"http://localhost:{receiver.port}/hooks/in")
    assert await publish(app) == 1
    (delivery,) = await deliveries_of(app, webhook["id"])
    strict = delivery_settings.model_copy(update={"webhook_allow_private": False})

    assert await deliver(app.state.session_factory, strict, delivery.id) == "pending"
    assert receiver.requests == []
    (logged,) = await delivery_log(client, staff, webhook["id"])
    (attempt,) = logged["attempts_log"]
    assert attempt["status_code"] is None
    assert "non-public address" in attempt["error"]
    assert await outbox_row(app, delivery_job_key(delivery.id, 1)) is not None


async def test_connection_errors_and_timeouts_are_failed_attempts(
    app, client, staff, receiver, allow_private, delivery_settings
):
    # Nothing listens on the port of a closed server.
    closed = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    closed_port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()
    refused = await subscribe(client, staff, f"http://127.0.0.1:{closed_port}/hook")
    assert await publish(app) == 1
    (delivery,) = await deliveries_of(app, refused["id"])
    assert await deliver(app.state.session_factory, delivery_settings, delivery.id) == "pending"
    (attempt,) = (await delivery_log(client, staff, refused["id"]))[0]["attempts_log"]
    assert attempt["status_code"] is None
    assert "Connect" in attempt["error"]

    await client.delete(f"/v1/webhooks/{refused['id']}", headers=staff)
    receiver.hang = True
    slow = await subscribe(client, staff, receiver.url)
    assert await publish(app) == 1
    (delivery,) = await deliveries_of(app, slow["id"])
    quick = delivery_settings.model_copy(update={"webhook_timeout_seconds": 0.3})
    assert await deliver(app.state.session_factory, quick, delivery.id) == "pending"
    (attempt,) = (await delivery_log(client, staff, slow["id"]))[0]["attempts_log"]
    assert attempt["status_code"] is None
    assert "No answer within 0.3 s" in attempt["error"]
    assert attempt["duration_ms"] < 5000


async def test_a_paused_subscription_disables_its_pending_deliveries(
    app, client, staff, receiver, allow_private, delivery_settings
):
    webhook, delivery_id = await one_delivery(app, client, staff, receiver)
    path = f"/v1/webhooks/{webhook['id']}"
    assert (await client.patch(path, json={"active": False}, headers=staff)).status_code == 200

    assert await deliver(app.state.session_factory, delivery_settings, delivery_id) == "disabled"
    assert receiver.requests == []
    (logged,) = await delivery_log(client, staff, webhook["id"])
    assert (logged["status"], logged["attempts"], logged["attempts_log"]) == ("disabled", 0, [])


async def test_a_deleted_subscription_disables_its_pending_deliveries_and_keeps_its_log(
    app, client, staff, receiver, allow_private, delivery_settings
):
    webhook, delivery_id = await one_delivery(app, client, staff, receiver)
    assert (await client.delete(f"/v1/webhooks/{webhook['id']}", headers=staff)).status_code == 204

    assert await deliver(app.state.session_factory, delivery_settings, delivery_id) == "disabled"
    assert receiver.requests == []
    # Gone from the API, but the delivery log stays in the database, for the record.
    (kept,) = await deliveries_of(app, webhook["id"])
    assert (kept.status, kept.attempts) == ("disabled", 0)


async def test_unknown_delivery_is_ignored(app, delivery_settings):
    assert await deliver(app.state.session_factory, delivery_settings, uuid.UUID(UNKNOWN_ID)) == "missing"


async def test_deliveries_are_listed_newest_first(app, client, staff, allow_private):
    webhook = await subscribe(client, staff, "http://127.0.0.1:9/hook")
    for number in range(5):
        assert await publish(app, data={"number": number}) == 1
    items = await collect(client, f"/v1/webhooks/{webhook['id']}/deliveries", staff, limit=2)
    assert [item["payload"]["data"]["number"] for item in items] == [4, 3, 2, 1, 0]
    assert all(item["status"] == "pending" and item["attempts_log"] == [] for item in items)

    other = await subscribe(client, staff, PUBLIC_URL, events=["aggregation_job.failed"])
    assert await delivery_log(client, staff, other["id"]) == []
    response = await client.get(f"/v1/webhooks/{webhook['id']}/deliveries?cursor=bad!", headers=staff)
    assert response.status_code == 422


async def test_the_address_checked_is_the_address_called(
    app, client, staff, receiver, allow_private, delivery_settings, monkeypatch
):
    """A name that resolves differently a moment later (DNS rebinding) cannot redirect the POST."""
    loop = asyncio.get_running_loop()
    real_getaddrinfo = loop.getaddrinfo
    lookups = []

    async def rebinding_dns(host, port, *args, **kwargs):
        if host != "hooks.rebind.test":
            return await real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        if len(lookups) > 1:
            raise AssertionError("the name was resolved a second time")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(loop, "getaddrinfo", rebinding_dns)
    webhook = await subscribe(client, staff, f"http://hooks.rebind.test:{receiver.port}/hooks/in")
    lookups.clear()
    assert await publish(app) == 1
    (delivery,) = await deliveries_of(app, webhook["id"])

    assert await deliver(app.state.session_factory, delivery_settings, delivery.id) == "succeeded"
    (request,) = receiver.requests
    assert request.headers["host"] == f"hooks.rebind.test:{receiver.port}"
    assert lookups == ["hooks.rebind.test"]
    Webhook(webhook["secret"]).verify(request.body, request.headers)
