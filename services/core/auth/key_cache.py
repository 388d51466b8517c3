"""API keys kept in each process, so that a request does not read its key from the database.

Databases cache credentials the same way (MongoDB's user cache, Cassandra's
`roles_validity_in_ms`). An entry is at most `max_age` seconds old; a revocation announced
by any process (services.core.invalidations) drops the key's entry at once. Only live keys
are kept: an unknown or revoked key is read again each time (the failed-authentication guard
of the rate limiter bounds how often).
"""

import time
from collections import OrderedDict

from sqlalchemy.ext.asyncio import AsyncSession

from services.core.auth.principal import Principal
from services.core.auth.service import authenticate_hash, key_hash_of
from services.core.invalidations import Change, Invalidation

DEFAULT_MAX_ENTRIES = 10_000


class ApiKeyCache:
    def __init__(self, max_age: float, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        # Bumped by every invalidation: a key read from the database before one must not be
        # stored after it (it may be the very key just revoked).
        self.generation = 0

    def get(self, key_hash: str) -> Principal | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        principal, stored_at = entry
        if time.monotonic() - stored_at >= self.max_age:
            del self._entries[key_hash]
            return None
        self._entries.move_to_end(key_hash)
        return principal

    def kept(self, key: str) -> Principal | None:
        """The principal of `key` if this process keeps it (no database)."""
        key_hash = key_hash_of(key)
        return None if key_hash is None else self.get(key_hash)

    async def authenticate(self, session: AsyncSession, key: str) -> Principal | None:
        """The principal of a live key: kept here, or read with `session` and kept."""
        key_hash = key_hash_of(key)
        if key_hash is None:
            return None
        principal = self.get(key_hash)
        if principal is None:
            generation = self.generation
            principal = await authenticate_hash(session, key_hash)
            if principal is not None:
                self.put(key_hash, principal, generation)
        return principal

    def put(self, key_hash: str, principal: Principal, generation: int) -> None:
        """Keep a key read from the database when `generation` was current."""
        if self.max_age <= 0 or generation != self.generation:
            return
        self._entries[key_hash] = (principal, time.monotonic())
        self._entries.move_to_end(key_hash)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def invalidate(self, invalidation: Invalidation) -> None:
        if invalidation.change == Change.EVERYTHING:
            self.generation += 1
            self._entries.clear()
        elif invalidation.change == Change.API_KEY:
            self.generation += 1
            stale = [
                key_hash
                for key_hash, (principal, _) in self._entries.items()
                if str(principal.key_id) == invalidation.subject
            ]
            for key_hash in stale:
                del self._entries[key_hash]
