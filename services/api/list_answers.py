"""Answers of the registry's lists, kept as bytes for as long as the registry is unchanged.

The lists of territories, catalysts and alliances, and the map of the catalysts, read only the
tables whose every committed write changes the registry tag (services.core.registry_tag). An
answer is kept with the tag read before the application computed it, and is sent again only
if the tag still reads the same. That read is the one database round trip of such a request,
shared by the requests that wait for it at the same time. A write on any process is seen by the
next list on every process, as when every list was read from the tables.

A query is kept from the second time this process sees it: the first time, the application
answers it alone, with no tag read, so that pages read once (a cursor walk, a search typed
once) cost what they cost without this cache and take no room in it.

The caller is checked as for snapshot answers: anonymous with public read on, or a key in the
process's key cache; anything else goes to the application, which reads and keeps the key.
"""

from collections import OrderedDict

from starlette.types import ASGIApp, Receive, Scope, Send

from services.api.kept_answers import (
    Answer,
    AnswerCache,
    answer_and_keep,
    caller_known,
    normalised_query,
    send_kept,
)
from services.core.auth.key_cache import ApiKeyCache
from services.core.registry_tag import RegistryTagReader

# Every path here reads only tables of services.core.registry_tag.TAGGED_TABLES.
KEPT_LISTS = frozenset({"/v1/territories", "/v1/catalysts", "/v1/alliances", "/v1/map/catalysts"})
# How many queries seen once this process remembers (a few hundred kilobytes at most).
SEEN_ONCE_KEPT = 10_000


class SeenOnce:
    """The queries seen once and not yet kept: a bounded set, the oldest forgotten first."""

    def __init__(self, size: int = SEEN_ONCE_KEPT) -> None:
        self.size = size
        self._keys: OrderedDict[int, None] = OrderedDict()

    def second_sighting(self, key: tuple) -> bool:
        """Whether `key` was seen before (and is then forgotten here); else remember it."""
        digest = hash(key)
        if digest in self._keys:
            del self._keys[digest]
            return True
        self._keys[digest] = None
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return False

    def __len__(self) -> int:
        return len(self._keys)


class ListAnswersMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: AnswerCache,
        public: bool,
        key_cache: ApiKeyCache,
        tags: RegistryTagReader,
    ) -> None:
        self.app = app
        self.cache = cache
        self.public = public
        self.key_cache = key_cache
        self.tags = tags
        self.seen_once = SeenOnce()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"] not in KEPT_LISTS
            or not caller_known(scope, public=self.public, key_cache=self.key_cache)
        ):
            await self.app(scope, receive, send)
            return
        query = normalised_query(scope["query_string"])
        if query is None:
            await self.app(scope, receive, send)
            return
        key = (scope["path"], query)
        kept = self.cache.get(key)
        if kept is None and not self.seen_once.second_sighting(key):
            await self.app(scope, receive, send)
            return
        # A database that does not answer raises here: services.api.problems answers 503 (or
        # retries a connection found dead), as for the application's own reads, without a
        # second wait for the same database.
        tag = await self.tags.read()
        if tag is None:  # no tag row: nothing can be kept
            await self.app(scope, receive, send)
            return
        if kept is not None and kept.tag == tag:
            await send_kept(scope, send, kept)
            return

        def keep(answer: Answer) -> None:
            self.cache.put(key, Answer(answer.body, answer.headers, answer.route, tag))

        await answer_and_keep(self.app, scope, receive, send, inner=dict(scope), keep=keep)
