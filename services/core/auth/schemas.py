import uuid
from datetime import datetime

from pydantic import ConfigDict, Field

from services.core.schemas_base import InputModel, Name, OutputModel
from services.core.vocabularies import ApiKeyScope


class ApiKeyCreate(InputModel):
    # What create_api_key requires, published: a write key names its catalyst, no other does.
    # As if/then/else, which validators apply and client generators leave aside (an anyOf
    # beside the properties would become one class per branch, each with only these fields).
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["scope"], "properties": {"scope": {"const": ApiKeyScope.write.value}}},
            "then": {"required": ["catalyst_id"], "properties": {"catalyst_id": {"type": "string"}}},
            "else": {"properties": {"catalyst_id": {"type": "null"}}},
        }
    )

    name: Name
    scope: ApiKeyScope
    catalyst_id: uuid.UUID | None = Field(
        default=None, description="Required for a `write` key, refused for the others."
    )


class ApiKeyRead(OutputModel):
    id: uuid.UUID
    name: str
    scope: ApiKeyScope
    catalyst_id: uuid.UUID | None
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret. Shown in this response only: store it now.")
