"""One attempt at a webhook delivery: load, POST, record, and schedule the next attempt.

The HTTP call happens outside any transaction: a slow receiver must not hold a database
connection or locks. The attempt is recorded, and the retry queued through the outbox, in one
transaction afterwards, so a crash between the two leaves at worst an attempt that is made
again; receivers tell repeats apart by `webhook-id`, the delivery's id, which never changes.

Signing follows Standard Webhooks (https://www.standardwebhooks.com): the body is the exact
text that was signed, `webhook-timestamp` is the time of this attempt, and the signature is
`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
"""

import asyncio
import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook

from services.core.clock import utcnow
from services.core.config import Settings
from services.core.db import session_scope
from services.core.outbox.service import enqueue
from services.core.webhooks.events import DELIVER_TASK, delivery_job_key
from services.core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from services.core.webhooks.urls import IPAddress, UnsafeUrl, resolve_url

logger = logging.getLogger("observatoire.webhooks")

# Attempt 1 is made at once; after attempt n fails, attempt n+1 comes between half of and the
# whole of RETRY_DELAYS[n-1] later (see retry_delay).
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

PENDING, SUCCEEDED, FAILED, DISABLED = "pending", "succeeded", "failed", "disabled"
FINAL_STATUSES = frozenset({SUCCEEDED, FAILED, DISABLED})
MISSING = "missing"

USER_AGENT = "Observatoire-Webhooks/1"
GONE = 410
# A name may resolve to many addresses; only the first few are tried when connections fail.
MAX_ADDRESSES_TRIED = 4
MAX_ERROR_LENGTH = 1000

# Not seeded: the point is that processes and deliveries draw differently.
_jitter = random.Random()


def retry_delay(attempt: int) -> timedelta:
    """How long after failed attempt `attempt` the next one comes: "equal jitter".

    When a receiver is down, every delivery to it fails at about the same time; with fixed
    delays they would all come back in the same second once it answers again, and knock it
    over. A uniform draw over the second half of the scheduled delay spreads them, and keeps
    at least half of it so that the backoff still backs off.
    """
    scheduled = RETRY_DELAYS[attempt - 1]
    return scheduled / 2 + scheduled / 2 * _jitter.random()


def canonical_json(payload: Any) -> str:
    """The body text: sorted keys and no spaces, so that every attempt sends the same bytes."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class _Request:
    attempt: int
    url: str
    secret: str
    body: str


@dataclass(frozen=True)
class _Outcome:
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def deliver(
    factory: async_sessionmaker[AsyncSession], settings: Settings, delivery_id: uuid.UUID
) -> str:
    """Make the next attempt of a delivery, if it still needs one; returns its status after."""
    request = await _load(factory, delivery_id)
    if isinstance(request, str):
        return request
    outcome = await _send(settings, delivery_id, request)
    return await _record(factory, delivery_id, request.attempt, outcome)


def _stop(delivery: WebhookDelivery, status: str) -> None:
    delivery.status = status
    delivery.next_attempt_at = None


async def _load(factory: async_sessionmaker[AsyncSession], delivery_id: uuid.UUID) -> _Request | str:
    async with session_scope(factory) as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            logger.warning("webhook delivery %s not found", delivery_id)
            return MISSING
        if delivery.status in FINAL_STATUSES:
            return delivery.status  # a repeated job: the work is done
        subscription = await session.get(WebhookSubscription, delivery.subscription_id)
        if subscription is None or not subscription.active:
            _stop(delivery, DISABLED)
            return DISABLED
        if delivery.attempts >= MAX_ATTEMPTS:
            _stop(delivery, FAILED)
            return FAILED
        return _Request(
            attempt=delivery.attempts + 1,
            url=subscription.url,
            secret=subscription.secret,
            body=canonical_json(delivery.payload),
        )


def _signed_headers(delivery_id: uuid.UUID, secret: str, body: str, attempted_at: datetime) -> dict[str, str]:
    timestamp = datetime.fromtimestamp(int(attempted_at.timestamp()), UTC)
    message_id = str(delivery_id)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


async def _send(settings: Settings, delivery_id: uuid.UUID, request: _Request) -> _Outcome:
    attempted_at = utcnow()
    started = time.monotonic()

    def outcome(status_code: int | None = None, error: str | None = None) -> _Outcome:
        duration_ms = round((time.monotonic() - started) * 1000)
        return _Outcome(attempted_at, status_code, error and error[:MAX_ERROR_LENGTH], duration_ms)

    try:
        addresses = await resolve_url(request.url, settings.webhook_allow_private)
    except UnsafeUrl as exc:
        return outcome(error=f"Refused before sending: {exc}")
    headers = _signed_headers(delivery_id, request.secret, request.body, attempted_at)
    timeout = settings.webhook_timeout_seconds
    try:
        # httpx's timeout bounds each network operation; this bounds the whole attempt.
        async with asyncio.timeout(timeout):
            status_code = await _post(request.url, addresses, headers, request.body.encode(), timeout)
    except (TimeoutError, httpx.TimeoutException):
        return outcome(error=f"No answer within {timeout:g} s.")
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return outcome(error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    if 200 <= status_code < 300:
        return outcome(status_code)
    if 300 <= status_code < 400:
        return outcome(status_code, "Redirects are not followed: the subscription must use the final URL.")
    return outcome(status_code, f"The receiver answered HTTP {status_code}.")


async def _post(
    url: str, addresses: list[IPAddress], headers: dict[str, str], content: bytes, timeout: float
) -> int:
    """POST to one of the checked addresses, never to what the name resolves to a moment later.

    The URL's host is replaced by the address; `Host` and, for https, the TLS server name (SNI,
    also used to verify the certificate) keep the original name.
    """
    target = httpx.URL(url)
    headers = {**headers, "host": target.netloc.decode("ascii")}
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    # No proxies from the environment: the request must go to the address that was checked.
    async with httpx.AsyncClient(follow_redirects=False, timeout=timeout, trust_env=False) as client:
        last_error: httpx.ConnectError | None = None
        for address in addresses[:MAX_ADDRESSES_TRIED]:
            pinned = client.build_request(
                "POST",
                target.copy_with(host=str(address)),
                headers=headers,
                content=content,
                extensions=extensions,
            )
            try:
                response = await client.send(pinned, stream=True)
            except httpx.ConnectError as exc:
                last_error = exc  # nothing was sent: the next address may answer
                continue
            # Only the status matters; the body is never read, whatever its size.
            await response.aclose()
            return response.status_code
        assert last_error is not None
        raise last_error


async def _record(
    factory: async_sessionmaker[AsyncSession], delivery_id: uuid.UUID, attempt: int, outcome: _Outcome
) -> str:
    async with session_scope(factory) as session:
        delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None:
            return MISSING
        session.add(
            WebhookAttempt(
                delivery_id=delivery_id,
                attempt=attempt,
                attempted_at=outcome.attempted_at,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
            )
        )
        if delivery.status != PENDING or delivery.attempts >= attempt:
            # Another run of the same job recorded this attempt first: log the request that
            # was made, leave the state and the schedule to that run.
            return delivery.status
        delivery.attempts = attempt
        delivery.last_status_code = outcome.status_code
        if outcome.succeeded:
            _stop(delivery, SUCCEEDED)
        elif outcome.status_code == GONE:
            subscription = await session.get(WebhookSubscription, delivery.subscription_id)
            if subscription is not None and subscription.active:
                subscription.active = False
                subscription.disabled_reason = (
                    f"The receiver answered 410 Gone on {outcome.attempted_at.isoformat(timespec='seconds')}."
                )
            _stop(delivery, DISABLED)
            logger.info("webhook subscription %s disabled: 410 Gone", delivery.subscription_id)
        elif attempt >= MAX_ATTEMPTS:
            _stop(delivery, FAILED)
            logger.warning("webhook delivery %s failed after %d attempts", delivery_id, attempt)
        else:
            next_attempt_at = utcnow() + retry_delay(attempt)
            delivery.next_attempt_at = next_attempt_at
            await enqueue(
                session,
                DELIVER_TASK,
                [str(delivery_id)],
                delivery_job_key(delivery_id, attempt),
                available_at=next_attempt_at,
            )
        await session.flush()
        return delivery.status
