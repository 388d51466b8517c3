"""What the caller may do: a client (the dashboard, a generated front-end) asks once, instead
of probing routes and reading refusals."""

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from services.api.deps import SessionDep, bearer_scheme, current_principal
from services.api.openapi import problems
from services.core.vocabularies import ApiKeyScope

router = APIRouter(prefix="/v1", tags=["access"])


class Access(BaseModel):
    authenticated: bool = Field(description="A valid key was presented.")
    scope: ApiKeyScope | None = Field(
        description="What the caller may do: the key's scope; `read` without a key when the "
        "observatory publishes openly; null when a key is needed."
    )
    catalyst_id: uuid.UUID | None = Field(description="The catalyst a write key speaks for.")
    key_id: uuid.UUID | None
    public_read: bool = Field(description="Published results can be read without a key.")


@router.get(
    "/access",
    summary="What the caller may do (no key needed)",
    description="Without an `Authorization` header, says whether the observatory publishes "
    "its results openly. With a key, says that key's scope and catalyst; a key that is not "
    "valid gets the usual 401.",
    response_model=Access,
    responses=problems(401),
)
async def get_access(request: Request, session: SessionDep):
    public_read = request.app.state.settings.public_read
    if "authorization" not in request.headers:
        return Access(
            authenticated=False,
            scope=ApiKeyScope.read if public_read else None,
            catalyst_id=None,
            key_id=None,
            public_read=public_read,
        )
    # Read here rather than as a dependency: the operation must not require the bearer scheme
    # in the document, since it answers without a key.
    principal = await current_principal(request, session, await bearer_scheme(request))
    return Access(
        authenticated=True,
        scope=principal.scope,
        catalyst_id=principal.catalyst_id,
        key_id=principal.key_id,
        public_read=public_read,
    )
