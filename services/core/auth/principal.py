"""Who is calling, and what each scope may do."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from services.core.errors import Forbidden
from services.core.vocabularies import ApiKeyScope


@dataclass(frozen=True)
class Principal:
    # None for the anonymous reader of public read, who presented no key.
    key_id: uuid.UUID | None
    scope: ApiKeyScope
    catalyst_id: uuid.UUID | None

    @property
    def is_anonymous(self) -> bool:
        return self.key_id is None

    @property
    def is_staff(self) -> bool:
        return self.scope == ApiKeyScope.staff

    @property
    def can_write(self) -> bool:
        return self.scope in (ApiKeyScope.write, ApiKeyScope.staff)

    def require_staff(self) -> None:
        if not self.is_staff:
            raise Forbidden("This operation needs a staff key.")

    def require_write(self) -> None:
        if not self.can_write:
            raise Forbidden("This operation needs a write or staff key.")

    def speaks_for(self, catalyst_ids: Iterable[uuid.UUID]) -> bool:
        """Staff speak for every catalyst; a write key for its own catalyst only."""
        return self.is_staff or (self.scope == ApiKeyScope.write and self.catalyst_id in set(catalyst_ids))

    def require_catalyst(self, catalyst_ids: Iterable[uuid.UUID], what: str) -> None:
        self.require_write()
        if not self.speaks_for(catalyst_ids):
            raise Forbidden(f"This key's catalyst does not convene {what}.")


# Who reads the published data without a key when the operator opens it (public read): the
# rights of a read key, bound to no catalyst, so it can neither write nor act as staff.
ANONYMOUS = Principal(key_id=None, scope=ApiKeyScope.read, catalyst_id=None)
