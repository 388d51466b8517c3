"""Answers kept as the bytes that were sent, for the middlewares that answer reads from memory
(services.api.snapshot_answers, services.api.list_answers).

What they share: the bounded cache of answers (`read_cache_megabytes` per process, for both);
whether the caller may read without asking the database; the query in a canonical order; and
the way an answer of the application is kept while it is sent, then sent again from memory.
"""

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi.security.utils import get_authorization_scheme_param
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.conditional import etag_of_body
from services.core.auth.key_cache import ApiKeyCache

# Beyond this share of the cache, an answer is not kept (it would push out many others).
LARGEST_SHARE = 0.25
ENTRY_OVERHEAD_BYTES = 256

Headers = tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True)
class Answer:
    body: bytes
    headers: Headers  # as the application sent them, ETag included
    route: object  # the matched route, for the access log and metrics
    # What the answer is current for, when that can change (a list's registry tag).
    tag: object = None

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


def caller_known(scope: Scope, *, public: bool, key_cache: ApiKeyCache) -> bool:
    """Whether the caller may read, known without the database: anonymous when public read is
    on, or a key this process has in its key cache. A key that is not there is not refused
    here: the application reads it (and keeps it)."""
    authorization = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
    if authorization is None:
        return public
    scheme, credentials = get_authorization_scheme_param(authorization.decode("latin-1"))
    if scheme.lower() != "bearer":
        return False
    principal = key_cache.kept(credentials)
    if principal is None:
        return False
    # For the access log line, as services.api.deps would have set it.
    scope.setdefault("state", {})["api_key_id"] = str(principal.key_id)
    return True


def normalised_query(query_string: bytes) -> tuple | None:
    """The query's parameters in a canonical order; None when a name repeats (the application
    takes the last value: the order would then matter)."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if len({name for name, _ in pairs}) != len(pairs):
        return None
    return tuple(sorted(pairs))


async def send_kept(scope: Scope, send: Send, answer: Answer, added_headers: Headers = ()) -> None:
    """Send a kept answer. Its ETag is among its headers: a client whose copy is current gets
    its 304 from services.api.conditional, around these middlewares, as for any GET."""
    scope["route"] = answer.route
    await send({"type": "http.response.start", "status": 200, "headers": [*answer.headers, *added_headers]})
    await send({"type": "http.response.body", "body": answer.body})


async def answer_and_keep(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    inner: Scope,
    keep: Callable[[Answer], None],
    added_headers: Headers = (),
) -> None:
    """Let the application answer `inner` (a copy of `scope`, perhaps for another path); hand a
    200 answered in one piece to `keep` as it is sent, with `added_headers`. Any other answer
    goes out as the application sent it."""
    start: Message | None = None

    async def keeping(message: Message) -> None:
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
        keep(Answer(body, tuple(response_headers), route))
        start = None
        await send(
            {"type": "http.response.start", "status": 200, "headers": [*response_headers, *added_headers]}
        )
        await send({"type": "http.response.body", "body": body})

    await app(inner, receive, keeping)
    if "route" in inner:
        scope["route"] = inner["route"]
