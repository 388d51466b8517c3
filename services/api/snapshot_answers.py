"""Answers about published snapshots, kept as the bytes that were sent.

A published snapshot never changes, so neither does any answer about it: the snapshot itself,
a page of its scores, an explanation, a comparison of two snapshots. The first request for an
answer goes through the application; its 200 response is kept, in a bounded LRU of encoded
bytes (services.api.kept_answers), under the snapshot ids and the query, and the
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

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.kept_answers import (
    AnswerCache,
    answer_and_keep,
    caller_known,
    normalised_query,
    send_kept,
)
from services.core.auth.key_cache import ApiKeyCache
from services.core.db import session_scope
from services.core.invalidations import Change, Invalidation
from services.core.snapshots.service import latest_snapshot_id

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


def cache_control(public: bool, through_latest: bool) -> bytes:
    """Named by id, an answer never changes; through `latest`, it does when one is published."""
    visibility = b"public" if public else b"private"
    if through_latest:
        return visibility + b", max-age=%d" % LATEST_MAX_AGE
    return visibility + b", max-age=%d, immutable" % IMMUTABLE_MAX_AGE


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
                found = await latest_snapshot_id(session)
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
        cache: AnswerCache | None,
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
        # Every 200 about a snapshot says how long it holds, whether or not it is kept here.
        through_latest = LATEST in (match["snapshot"], match["other"])
        cache_control = self.short if through_latest else self.immutable
        cache = self.cache
        if (
            cache is None
            or not caller_known(scope, public=self.public, key_cache=self.key_cache)
            or (query := normalised_query(scope["query_string"])) is None
        ):
            await self.app(scope, receive, _adding_to_success(send, cache_control))
            return
        # A database that does not answer raises here, as in list_answers.
        resolved = await self._resolve(match)
        if resolved is None:  # nothing published yet: the application answers 404
            await self.app(scope, receive, send)
            return
        snapshot_id, other_id = resolved
        rest = match["rest"] if other_id is None else f"/compare/{other_id}"
        key = (snapshot_id, rest, query)
        answer = cache.get(key)
        if answer is None:
            path = f"/v1/snapshots/{snapshot_id}{rest}"
            await answer_and_keep(
                self.app,
                scope,
                receive,
                send,
                inner=dict(scope, path=path, raw_path=path.encode()),
                keep=lambda answer: cache.put(key, answer),
                added_headers=((b"cache-control", cache_control),),
            )
            return
        await send_kept(scope, send, answer, ((b"cache-control", cache_control),))

    async def _resolve(self, match: re.Match) -> tuple[str, str | None] | None:
        """The snapshot ids the path names, `latest` read as the id it stands for; None when
        nothing is published yet."""
        references = [match["snapshot"]] + ([match["other"]] if match["other"] else [])
        latest = ""
        if LATEST in references:
            found = self.latest.current(self.listening()) or await self.latest.read(self.session_factory)
            if found is None:
                return None
            latest = found
        resolved = [latest if reference == LATEST else _canonical(reference) for reference in references]
        return resolved[0], resolved[1] if len(resolved) > 1 else None


def _adding_to_success(send: Send, cache_control: bytes) -> Send:
    """`send`, with `Cache-Control` added to a 200."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 200:
            message = {**message, "headers": [*message.get("headers", []), (b"cache-control", cache_control)]}
        await send(message)

    return sending
