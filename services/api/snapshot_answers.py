"""Answers about published snapshots, kept as the bytes that were sent.

A published snapshot never changes, so neither does any answer about it: the snapshot itself,
a page of its scores, an explanation, a comparison of two snapshots. The first request for an
answer goes through the application; its 200 response is kept, in a bounded LRU of encoded
bytes (`read_cache_megabytes` per process), under the snapshot ids and the query, and the
next identical request is answered from it without routing, validation or a database round
trip. The caller's key is checked against the process's key cache (a key not found there
takes the full path, which reads it and keeps it).

`latest` is resolved to an id through a pointer kept by the process, read again when a
snapshot is published (announced on Redis, services.core.invalidations) and at most 1 s old
while that announcement cannot be heard. The application then answers for that id: the
answer of `latest` is the answer of the snapshot it points at, byte for byte.

Answers for snapshots named by id are `immutable` for a year (`public` when the operator opens
published results, `private` otherwise); those that go through `latest` have a short max-age
and the same ETag, so that browsers and proxies revalidate (304 when nothing changed).
"""

import asyncio
import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import select
from sqlmodel import col
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.conditional import etag_of_body
from services.core.auth.key_cache import ApiKeyCache
from services.core.auth.service import key_hash_of
from services.core.db import session_scope
from services.core.invalidations import Change, Invalidation
from services.core.logs import get_logger
from services.core.snapshots.models import Snapshot

logger = get_logger("observatoire.snapshot_answers")

_UUID = "-?".join(f"[0-9A-Fa-f]{{{n}}}" for n in (8, 4, 4, 4, 12))
CACHED_PATH = re.compile(
    rf"^/v1/snapshots/(?P<snapshot>latest|{_UUID})"
    rf"(?P<rest>|/scores|/explanations/[^/]+/[^/]+|/compare/(?P<other>latest|{_UUID}))$"
)
LATEST = "latest"

IMMUTABLE_MAX_AGE = 31_536_000  # a year, the longest RFC 9111 suggests
LATEST_MAX_AGE = 5
# Without the announcements of Redis, how old the pointer to the latest snapshot may be.
LATEST_POINTER_MAX_AGE = 1.0
# With them, it is read again on each announcement; this bounds the cost of one missed.
LATEST_POINTER_MAX_AGE_LISTENING = 60.0
# Beyond this share of the cache, an answer is not kept (it would push out many others).
LARGEST_SHARE = 0.25
ENTRY_OVERHEAD_BYTES = 256


def cache_control(public: bool, through_latest: bool) -> bytes:
    """Named by id, an answer never changes; through `latest`, it does when one is published."""
    visibility = b"public" if public else b"private"
    if through_latest:
        return visibility + b", max-age=%d" % LATEST_MAX_AGE
    return visibility + b", max-age=%d, immutable" % IMMUTABLE_MAX_AGE


@dataclass(frozen=True)
class Answer:
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]  # as the application sent them, ETag included
    route: object  # the matched route, for the access log and metrics

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(n) + len(v) for n, v in self.headers) + ENTRY_OVERHEAD_BYTES


class AnswerCache:
    """A bounded LRU of answers, by total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._answers: OrderedDict[tuple, Answer] = OrderedDict()

    def get(self, key: tuple) -> Answer | None:
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
        return answer

    def put(self, key: tuple, answer: Answer) -> None:
        size = answer.size + len(repr(key))
        if size > self.max_bytes * LARGEST_SHARE:
            return
        previous = self._answers.pop(key, None)
        if previous is not None:
            self.size -= previous.size + len(repr(key))
        self._answers[key] = answer
        self.size += size
        while self.size > self.max_bytes:
            old_key, old = self._answers.popitem(last=False)
            self.size -= old.size + len(repr(old_key))

    def __len__(self) -> int:
        return len(self._answers)


class LatestPointer:
    """The id of the latest published snapshot, as this process last read it."""

    def __init__(self) -> None:
        self.snapshot_id: str | None = None
        self.read_at = 0.0
        self.generation = 0
        self._reading: asyncio.Future | None = None

    def invalidate(self, invalidation: Invalidation) -> None:
        if invalidation.change in (Change.SNAPSHOT_PUBLISHED, Change.EVERYTHING):
            self.generation += 1
            self.snapshot_id = None

    def current(self, listening: bool) -> str | None:
        max_age = LATEST_POINTER_MAX_AGE_LISTENING if listening else LATEST_POINTER_MAX_AGE
        if self.snapshot_id is not None and time.monotonic() - self.read_at < max_age:
            return self.snapshot_id
        return None

    async def read(self, session_factory) -> str | None:
        """Read it from the database; concurrent callers share one read."""
        if self._reading is not None:
            return await asyncio.shield(self._reading)
        self._reading = asyncio.get_running_loop().create_future()
        generation = self.generation
        try:
            async with session_scope(session_factory) as session:
                found = await session.scalar(
                    select(col(Snapshot.id)).order_by(col(Snapshot.id).desc()).limit(1)
                )
            snapshot_id = None if found is None else str(found)
            if generation == self.generation and snapshot_id is not None:
                self.snapshot_id, self.read_at = snapshot_id, time.monotonic()
            self._reading.set_result(snapshot_id)
            return snapshot_id
        except BaseException as exc:
            self._reading.set_exception(exc)
            self._reading.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            self._reading = None


def _canonical(reference: str) -> str:
    return reference if reference == LATEST else str(uuid.UUID(reference))


class SnapshotAnswersMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: AnswerCache,
        latest: LatestPointer,
        public: bool,
        key_cache: ApiKeyCache,
        session_factory,
        listening=lambda: False,
    ) -> None:
        self.app = app
        self.cache = cache
        self.latest = latest
        self.public = public
        self.key_cache = key_cache
        self.session_factory = session_factory
        self.listening = listening
        self.immutable = cache_control(public, through_latest=False)
        self.short = cache_control(public, through_latest=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        match = CACHED_PATH.match(scope["path"])
        if match is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if not self._caller_known(scope, headers):
            await self.app(scope, receive, send)
            return
        query = self._normalised_query(scope["query_string"])
        if query is None:
            await self.app(scope, receive, send)
            return
        try:
            resolved = await self._resolve(match)
        except Exception:  # the database is not answering: the application says so
            resolved = None
        if resolved is None:
            await self.app(scope, receive, send)
            return
        snapshot_id, other_id, through_latest = resolved
        rest = match["rest"] if other_id is None else f"/compare/{other_id}"
        key = (snapshot_id, rest, query)
        cache_control = self.short if through_latest else self.immutable
        answer = self.cache.get(key)
        if answer is None:
            path = f"/v1/snapshots/{snapshot_id}{rest}"
            await self._answer_and_keep(scope, receive, send, path, key, cache_control)
            return
        scope["route"] = answer.route
        # Its ETag is among its headers: a client whose copy is current gets its 304 from
        # services.api.conditional, around this middleware, as for any GET.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*answer.headers, (b"cache-control", cache_control)],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})

    def _caller_known(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        """Whether the caller may read published results, known without the database. A key
        that is not in the cache is not refused here: the application reads it."""
        authorization = headers.get(b"authorization")
        if authorization is None:
            return self.public
        scheme, credentials = get_authorization_scheme_param(authorization.decode("latin-1"))
        if scheme.lower() != "bearer":
            return False
        key_hash = key_hash_of(credentials)
        principal = None if key_hash is None else self.key_cache.get(key_hash)
        if principal is None:
            return False
        scope.setdefault("state", {})["api_key_id"] = str(principal.key_id)
        return True

    @staticmethod
    def _normalised_query(query_string: bytes) -> tuple | None:
        """The query's parameters in a canonical order; None when a name repeats (the
        application takes the last value: the order would then matter)."""
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        if len({name for name, _ in pairs}) != len(pairs):
            return None
        return tuple(sorted(pairs))

    async def _resolve(self, match: re.Match) -> tuple[str, str | None, bool] | None:
        references = [match["snapshot"]] + ([match["other"]] if match["other"] else [])
        through_latest = LATEST in references
        latest = ""
        if through_latest:
            found = self.latest.current(self.listening()) or await self.latest.read(self.session_factory)
            if found is None:
                return None  # nothing published yet: the application answers 404
            latest = found
        resolved = [latest if reference == LATEST else _canonical(reference) for reference in references]
        return resolved[0], resolved[1] if len(resolved) > 1 else None, through_latest

    async def _answer_and_keep(
        self, scope: Scope, receive: Receive, send: Send, path: str, key: tuple, cache_control: bytes
    ) -> None:
        """Let the application answer for the resolved ids; keep a 200 answered in one piece."""
        inner = dict(scope, path=path, raw_path=path.encode())
        start: Message | None = None

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message  # sent with the body, once its ETag is known
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            if start["status"] != 200 or message.get("more_body", False):
                await send(start)
                start = None
                await send(message)
                return
            body = message.get("body", b"")
            response_headers = list(start.get("headers", []))
            if not any(name.lower() == b"etag" for name, _ in response_headers):
                # Computed once, with the answer kept, rather than on each answer sent from it.
                response_headers.append((b"etag", etag_of_body(body)))
            route = inner.get("route")
            scope["route"] = route
            self.cache.put(key, Answer(body, tuple(response_headers), route))
            start = None
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [*response_headers, (b"cache-control", cache_control)],
                }
            )
            await send({"type": "http.response.body", "body": body})

        await self.app(inner, receive, keep)
        if "route" in inner:
            scope["route"] = inner["route"]
